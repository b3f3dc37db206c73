-- wrk script: POST the render body named by $PROMPTOPS_RENDER_BODY.
local file = assert(io.open(os.getenv("PROMPTOPS_RENDER_BODY"), "r"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = file:read("*a")
file:close()
