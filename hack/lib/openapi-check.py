#!/usr/bin/env python3
"""Checks a live PromptOps controller against manifests/openapi.yaml.

    hack/lib/openapi-check.py BASE_URL [--token TOKEN] [--webhook-secret SECRET] [--strict-paging]

Discovers real names from the server (status -> namespaces -> templates -> deployments), then
calls every operation with valid inputs and with invalid ones (unknown names, bad query
parameters, malformed bodies, a wrong content type, an oversized body, other methods). For
each answer it checks that the status is documented for the operation (and is the one the
request calls for), that the Content-Type is documented, that the body validates against the
response schema and that documented required headers are there. One line per check, then a
summary; exit 1 on any mismatch or any 5xx.

PAGING: `limit`/`cursor` on templates, deployments and status, and the `Link: <...>; rel="next"`
header, are checked only when the server pages (a Link header or `nextCursor` is present);
checks that need paging print SKIP otherwise, or FAIL with --strict-paging.

Needs only the standard library plus python3-yaml and python3-jsonschema (Debian 12 ships
jsonschema 4.10, which has Draft 2020-12).
"""
import argparse
import hashlib
import hmac
import http.client
import json
import re
import sys
import urllib.parse
from pathlib import Path

import jsonschema
import yaml

SPEC = Path(__file__).resolve().parents[2] / "manifests" / "openapi.yaml"
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
MAX_ITEMS = 5  # templates / deployments looked at per namespace
T, D = "/api/v1/namespaces/{ns}/templates", "/api/v1/namespaces/{ns}/deployments"


class Checker:
    def __init__(self, base, token, spec, strict_paging):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.prefix = url.hostname, url.port or 80, url.path.rstrip("/")
        self.token, self.spec, self.strict_paging = token, spec, strict_paging
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self.last = (0, {})  # status and headers of the last check
        self.render_bodies = {}  # (ns, deployment) -> a render body that should succeed

    # -- HTTP ------------------------------------------------------------------------------
    def send(self, method, path, query=None, body=None, ctype="application/json", headers=None, token=True):
        target = self.prefix + path + ("?" + urllib.parse.urlencode(query) if query else "")
        hdrs = {"Authorization": f"Bearer {token if isinstance(token, str) else self.token}"} if token and self.token else {}
        if body is not None:
            hdrs["Content-Type"] = ctype
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            try:
                conn.request(method, target, body=body, headers=hdrs)
            except OSError:
                pass  # the server may answer (413) before it has read the whole body
            resp = conn.getresponse()
            return target, resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    # -- the spec ------------------------------------------------------------------------
    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            node = self.spec
            for part in obj["$ref"].lstrip("#/").split("/"):
                node = node[part]
            obj = node
        return obj

    def schema_errors(self, schema, instance):
        root = dict(schema, components=self.spec["components"])  # "#/components/..." resolves here
        validator = jsonschema.Draft202012Validator(root)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:200]}" for e in validator.iter_errors(instance)]

    # -- one check -----------------------------------------------------------------------
    def check(self, what, method, template, expect, path=None, responses=None, paging=False, **request):
        """Calls `method path` (path defaults to the spec's `template`) and checks the answer
        against the responses documented for (method, template), or `responses` for requests
        outside the spec. Returns the parsed body of a 2xx JSON answer, else None."""
        target, status, headers, raw = self.send(method, path or template, **request)
        self.last = (status, headers)
        if responses is None:
            responses = self.spec["paths"][template][method.lower()]["responses"]
        problems, parsed = [], None
        documented = self.deref(responses.get(str(status)))
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if status >= 500:
            problems.append(f"a 5xx answer (any fails the run): {raw[:300].decode(errors='replace')}")
        if documented is None:
            problems.append(f"status {status} is not documented (documented: {', '.join(responses)})")
        else:
            content = documented.get("content", {})
            if content and ctype not in content:
                problems.append(f"Content-Type {ctype!r} is not documented ({', '.join(content)})")
            elif ctype in content:
                try:
                    parsed = json.loads(raw) if ctype.endswith("json") else raw.decode()
                    problems += self.schema_errors(content[ctype].get("schema", {}), parsed)
                except ValueError as error:
                    problems.append(f"body is not {ctype}: {error}")
            for name, header in documented.get("headers", {}).items():
                header, value = self.deref(header), headers.get(name.lower())
                if value is None:
                    problems += [f"required header {name} missing"] if header.get("required") else []
                else:
                    problems += [f"header {name}: {e}" for e in self.schema_errors(header.get("schema", {}), value)]
        verdict = "PASS"
        if status not in expect:
            if paging and not self.strict_paging and not problems:
                verdict, problems = "SKIP", [f"expected {sorted(expect)} once the server pages"]
            else:
                problems.insert(0, f"expected {'/'.join(map(str, sorted(expect)))}")
        verdict = "FAIL" if problems and verdict == "PASS" else verdict
        self.counts[verdict] += 1
        code = parsed.get("error", {}).get("code") if status >= 400 and isinstance(parsed, dict) else None
        print(f"{verdict} {what}: {method} {target} -> {status}{' ' + code if code else ''}"
              + "".join(f"\n       {p}" for p in problems))
        return parsed if verdict == "PASS" and 200 <= status < 300 and ctype.endswith("json") else None

    def note(self, verdict, text):
        self.counts[verdict] += 1
        print(f"{verdict} {text}")

    # -- paging (PAGING: checked only when the server sends Link / nextCursor) ----------------
    def next_link(self, what, template, path, query, first):
        page1 = self.check(f"{what}, limit {query['limit']}", "GET", template, {200}, path=path, query=query)
        status, headers = self.last
        link = headers.get("link")
        if status != 200:
            return
        if link is None:
            if first is not None and len(first) > query["limit"]:
                self.note("FAIL" if self.strict_paging else "SKIP",
                          f"{what}: GET {path}?limit={query['limit']} has no Link rel=\"next\" ({len(first)} items; server without paging?)")
            return
        match = re.match(r'^<([^>]+)>\s*;\s*rel="?next"?', link)
        if not match:
            return self.note("FAIL", f"{what}: malformed Link header {link!r}")
        url = urllib.parse.urlsplit(urllib.parse.urljoin(f"http://{self.host}:{self.port}{path}", match.group(1)))
        page = self.check(f"{what} (next page)", "GET", template, {200}, path=url.path[len(self.prefix):],
                          query=dict(urllib.parse.parse_qsl(url.query)))
        if isinstance(page1, list) and page and page1 and page[0] == page1[0]:
            self.note("FAIL", f"{what}: the next page starts with the first page's item")

    # -- the run -------------------------------------------------------------------------
    def ok(self, *codes):
        """The statuses expected: with a token, also 403 (a token may lack the route's scope)."""
        return set(codes) | ({403} if self.token else set())

    def run(self, webhook_secret):
        ok = self.ok
        self.check("liveness", "GET", "/healthz", {200}, token=False)
        self.check("readiness", "GET", "/readyz", {200, 503}, token=False)
        self.check("metrics", "GET", "/metrics", ok(200))
        self.check("no route", "GET", None, {404}, path="/api/v1/no-such-route",
                   responses={"404": self.spec["components"]["responses"]["NoRoute"]})
        if self.token:
            self.check("no token", "GET", "/api/v1/status", {401}, token=False)
            self.check("unknown token", "GET", "/api/v1/status", {401}, token="not-a-real-token")
            self.check("metrics without token", "GET", "/metrics", {401}, token=False)
        status = self.check("status", "GET", "/api/v1/status", {200})
        if status is None:
            return self.note("FAIL", "cannot discover names: /api/v1/status did not answer 200 (a token needed? --token)")
        self.paging("/api/v1/status", "/api/v1/status", status["namespaces"], status)
        namespaces = [n["name"] for n in status["namespaces"]]
        templates, deployments = {}, []
        for i, ns in enumerate(namespaces):
            listed = self.check(f"templates of {ns}", "GET", T, {200}, path=T.format(ns=ns)) or []
            self.paging(T, T.format(ns=ns), listed, invalid=i == 0)
            for t in listed[:MAX_ITEMS]:
                templates[(ns, t["name"])] = self.template_checks(ns, t["name"])
            listed = self.check(f"deployments of {ns}", "GET", D, {200}, path=D.format(ns=ns)) or []
            self.paging(D, D.format(ns=ns), listed, invalid=i == 0)
            deployments += [(ns, d["name"], d["template"]) for d in listed[:MAX_ITEMS]]
        for ns, name, template in deployments:
            self.deployment_checks(ns, name, templates.get((ns, template)))
        ns, template = next(iter(templates), (namespaces[0] if namespaces else "default", None))
        self.invalid_names(ns, template)
        if deployments:
            self.invalid_render(*deployments[0][:2])
        for path in ("/api/v1/events", "/api/v1/audit"):
            self.log_checks(path, ns)
        self.webhook_checks([s["name"] for s in status.get("sources", [])], webhook_secret)
        self.method_checks(ns, deployments[0][1] if deployments else "x")

    def paging(self, template, path, listed, status=None, invalid=True):
        for query, what in () if not invalid else (({"limit": "0"}, "limit 0"), ({"limit": "10001"}, "limit 10001"),
                            ({"limit": "ten"}, "limit not a number"), ({"cursor": "%%not-a-cursor"}, "bad cursor")):
            self.check(f"paging, {what}", "GET", template, {400}, path=path, query=query, paging=True)
        self.next_link(f"paging {path}", template, path, {"limit": 1}, listed)
        if status is not None and status.get("nextCursor"):
            self.check("status, nextCursor", "GET", template, {200}, path=path, query={"cursor": status["nextCursor"]})

    def template_checks(self, ns, name):
        tpl = f"{T}/{{name}}"
        detail = self.check(f"template {ns}/{name}", "GET", tpl, {200}, path=f"{T.format(ns=ns)}/{name}")
        versions = [v["version"] for v in (detail or {}).get("versions", [])]
        for v in sorted({versions[0], versions[-1]} if versions else set()):
            self.check(f"version {v} of {ns}/{name}", "GET", tpl + "/versions/{version}", {200},
                       path=f"{T.format(ns=ns)}/{name}/versions/{v}")
        return detail

    def deployment_checks(self, ns, name, template):
        ok = self.ok
        base = f"{D.format(ns=ns)}/{name}"
        detail = self.check(f"deployment {ns}/{name}", "GET", D + "/{name}", {200}, path=base)
        self.check(f"measurements {ns}/{name}", "GET", D + "/{name}/measurements", {200}, path=base + "/measurements")
        self.check(f"measurements {ns}/{name}, bad rollout", "GET", D + "/{name}/measurements", {400},
                   path=base + "/measurements", query={"rollout": "x"})
        for query in (None, {"key": "user-42"}):
            answer = self.check(f"resolve {ns}/{name}", "GET", D + "/{name}/resolve", ok(200), path=base + "/resolve", query=query)
            if answer and detail:
                serving = detail["canary"] if answer["variant"] == "canary" else detail["stable"]
                if not serving or serving["version"] != answer["version"]:
                    self.note("FAIL", f"resolve {ns}/{name}: {answer} is not the Deployment's {answer['variant']} version")
        tests = ((template or {}).get("spec") or {}).get("tests") or []
        variables = tests[0].get("vars", {}) if tests else example_inputs((template or {}).get("spec", {}).get("inputs", {}))
        body = json.dumps({"key": "user-42", "variables": variables})
        if self.check(f"render {ns}/{name} ({'test vars' if tests else 'made-up vars'})", "POST", D + "/{name}/render",
                      ok(200) if tests else ok(200, 400), path=base + "/render", body=body):
            self.render_bodies[(ns, name)] = body

    def invalid_names(self, ns, template):
        nope = "no-such-name-xyz"
        self.check("unknown namespace", "GET", T, {404}, path=T.format(ns=nope))
        self.check("unknown namespace", "GET", D, {404}, path=D.format(ns=nope))
        self.check("unknown template", "GET", T + "/{name}", {404}, path=f"{T.format(ns=ns)}/{nope}")
        for version, code in (("0", 400), ("abc", 400), ("-1", 400), ("999999", 404)):
            self.check(f"version {version}", "GET", T + "/{name}/versions/{version}", {code},
                       path=f"{T.format(ns=ns)}/{template or nope}/versions/{version}")
        self.check("unknown deployment", "GET", D + "/{name}", {404}, path=f"{D.format(ns=ns)}/{nope}")
        self.check("unknown deployment", "GET", D + "/{name}/resolve", self.ok(404), path=f"{D.format(ns=ns)}/{nope}/resolve")
        self.check("unknown deployment", "POST", D + "/{name}/render", self.ok(404), path=f"{D.format(ns=ns)}/{nope}/render", body="{}")

    def invalid_render(self, ns, name):
        path, tpl = f"{D.format(ns=ns)}/{name}/render", D + "/{name}/render"
        for what, body in (("malformed JSON", '{"variables": {'), ("not an object", "[1]"), ("unknown member", '{"nope": 1}'),
                           ("variables not an object", '{"variables": 5}'), ("key not a string", '{"key": [1]}')):
            self.check(f"render, {what}", "POST", tpl, self.ok(400), path=path, body=body)
        self.check("render, empty body", "POST", tpl, self.ok(200, 400), path=path, body="")
        body = self.render_bodies.get((ns, name), "{}")  # a body that renders, sent as text/plain: 415
        self.check("render, Content-Type text/plain", "POST", tpl, self.ok(415),
                   path=path, body=body, ctype="text/plain")
        self.check("render, body over 1 MiB", "POST", tpl, self.ok(413), path=path, body=b" " * (1 << 20) + b"{}")

    def log_checks(self, path, ns):
        ok = self.ok
        first = self.check(path, "GET", path, ok(200), path=path)
        self.check(f"{path}, since 0", "GET", path, ok(200), query={"since": "0", "limit": "2"})
        if path.endswith("events"):
            self.check(f"{path}, namespace {ns}", "GET", path, ok(200), query={"namespace": ns})
        for query in ({"limit": "0"}, {"limit": "abc"}, {"since": "-1"}, {"since": "1.5"}):
            self.check(f"{path}, bad {next(iter(query))}", "GET", path, ok(400), query=query)
        if first is not None:  # PAGING: a full page carries Link rel="next"
            self.next_link(f"paging {path}", path, path, {"limit": 1, "since": "0"}, first)

    def webhook_checks(self, sources, secret):
        tpl = "/api/v1/webhooks/{source}"
        self.check("webhook, unknown source", "POST", tpl, {404}, path="/api/v1/webhooks/no-such-source", body="{}", token=False)
        for source in sources:
            path = f"/api/v1/webhooks/{source}"
            self.check(f"webhook {source}, unsigned", "POST", tpl, {401, 404}, path=path, body="{}", token=False)
            self.check(f"webhook {source}, wrong signature", "POST", tpl, {401, 404}, path=path, body="{}", token=False,
                       headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
            if not secret:
                continue
            self.check(f"webhook {source}, over 1 MiB", "POST", tpl, {413}, path=path, body=b" " * ((1 << 20) + 1), token=False)
            sign = lambda body: "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
            for what, body, headers, code in (
                    ("GitHub ping", "{}", {"X-GitHub-Event": "ping"}, 200),
                    ("push to another branch", '{"ref": "refs/heads/no-such-branch"}', {}, 200),
                    ("push", "{}", {}, 202)):
                header = "X-Hub-Signature-256" if headers else "X-PromptOps-Signature-256"
                self.check(f"webhook {source}, {what}", "POST", tpl, {code}, path=path, body=body, token=False,
                           headers=dict(headers, **{header: sign(body)}))

    def method_checks(self, ns, deployment):
        names = {"ns": ns, "name": deployment, "version": "1", "source": "no-such-source"}
        for template, item in self.spec["paths"].items():
            path = re.sub(r"\{(\w+)\}", lambda m: names[m.group(1)], template)
            allowed = [m for m in METHODS if m.lower() in item]
            for method in (m for m in METHODS if m not in allowed):
                self.check(f"method {method}", method, template, {405}, path=path, body="{}" if method != "GET" else None,
                           responses={"405": self.spec["components"]["responses"]["MethodNotAllowed"]})
                status, headers = self.last
                if status == 405 and headers.get("allow") != ", ".join(allowed):
                    self.note("FAIL", f"method {method} {path}: Allow {headers.get('allow')!r}, documented {allowed}")


def example_inputs(inputs):
    """Values for a template's required inputs, from its input contract (a best effort)."""
    simple = {"string": "test", "integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}
    return {name: (spec.get("enum") or [simple.get(spec.get("type"), "test")])[0]
            for name, spec in inputs.items() if isinstance(spec, dict) and spec.get("required")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the controller, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token", help="a bearer token (scopes read, render, audit, metrics for every check)")
    parser.add_argument("--webhook-secret", help="the webhook secret of the configured sources (signed webhook checks)")
    parser.add_argument("--strict-paging", action="store_true", help="fail, not skip, where the server does not page")
    parser.add_argument("--spec", default=str(SPEC), help="the OpenAPI document (default: manifests/openapi.yaml)")
    args = parser.parse_args()
    with open(args.spec) as f:
        spec = yaml.safe_load(f)
    jsonschema.Draft202012Validator.check_schema({"$defs": spec["components"]["schemas"]})
    checker = Checker(args.base_url, args.token, spec, args.strict_paging)
    try:
        checker.run(args.webhook_secret)
    except (OSError, http.client.HTTPException) as error:
        checker.note("FAIL", f"cannot reach {args.base_url}: {error}")
    c = checker.counts
    print(f"openapi-check: {c['PASS']} passed, {c['FAIL']} failed, {c['SKIP']} skipped")
    return 1 if c["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
