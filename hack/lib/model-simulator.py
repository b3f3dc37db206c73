#!/usr/bin/env python3
"""MODEL SIMULATOR for the PromptOps canary demo -- this is NOT a language model.

A tiny OpenAI-compatible HTTP server (Python standard library only) that answers
`POST /v1/chat/completions` (and `POST /chat/completions`) deterministically from the
prompt text, so that a prompt's tests pass or fail predictably without any real model:

  * If the prompt contains "Be terse and robotic" (the marker of the demo's WORSE prompt),
    it answers badly: "As an AI language model, I cannot help with that." -- so assertions
    such as `contains: "Hi Ana"` or `not-contains: "As an AI"` fail.
  * Otherwise it "follows" the instructions it finds in the prompt:
      - "Address the customer as NAME."  -> starts with "Hi NAME,"
      - the last user message            -> echoed as "You asked: ..." (so topic words appear)
      - "Offer a next step."             -> adds a "Next step: ..." sentence
      - "Sign off as SIGNATURE."         -> ends with "-- SIGNATURE"

Usage: model-simulator.py PORT [--delay SECONDS]   (listens on 127.0.0.1:PORT; logs one line
per request to standard error).  GET /healthz answers 200 for readiness checks.
--delay makes every chat completion answer SECONDS late (a slow model: the crash tests kill
the controller while a measurement waits for it).
"""
import json
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BAD_MARKER = "Be terse and robotic"
BAD_ANSWER = "As an AI language model, I cannot help with that."


def simulate(messages):
    """The simulated answer to a list of chat messages (deterministic)."""
    prompt = "\n".join(str(m.get("content", "")) for m in messages)
    if BAD_MARKER.lower() in prompt.lower():
        return BAD_ANSWER
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    question = users[-1].strip() if users else ""
    parts = []
    name = re.search(r"Address the customer as ([^.\n]+)", prompt)
    parts.append(f"Hi {name.group(1).strip()}," if name else "Hello,")
    parts.append("thanks for reaching out.")
    if question:
        parts.append(f"You asked: \"{question}\" -- I am looking into it.")
    if re.search(r"Offer a next step", prompt, re.IGNORECASE):
        parts.append("Next step: reply to this message and a colleague will follow up today.")
    sign = re.search(r"Sign off as ([^.\n]+)", prompt)
    if sign:
        parts.append(f"\n-- {sign.group(1).strip()}")
    return " ".join(parts)


class Handler(BaseHTTPRequestHandler):
    server_version = "PromptOpsModelSimulator/1"
    delay = 0.0  # seconds before each chat completion is answered (--delay)

    def log_message(self, fmt, *args):  # silence the default access log; we log our own line
        pass

    def _send(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path in ("/healthz", "/v1/models"):
            self._send(200, {"object": "list", "data": [{"id": "simulator", "object": "model"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            messages = request["messages"]
            if not isinstance(messages, list):
                raise ValueError("messages must be a list")
        except (ValueError, KeyError, TypeError) as error:
            self._send(400, {"error": {"message": f"bad request: {error}"}})
            return
        if self.delay > 0:
            time.sleep(self.delay)
        answer = simulate(messages)
        verdict = "BAD " if answer == BAD_ANSWER else "good"
        sys.stderr.write(f"[simulator] {time.strftime('%H:%M:%S')} {verdict} "
                         f"model={request.get('model')} -> {answer.splitlines()[0][:70]!r}\n")
        sys.stderr.flush()
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
        completion_tokens = len(answer.split())
        self._send(200, {
            "id": f"chatcmpl-sim-{int(time.time() * 1000)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "simulator"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[1] == "--delay":
        try:
            Handler.delay = float(args[2])
        except ValueError:
            args = []
        args = args[:1]
    if len(args) != 1 or not args[0].isdigit() or Handler.delay < 0:
        sys.stderr.write("usage: model-simulator.py PORT [--delay SECONDS]\n")
        sys.exit(2)
    server = ThreadingHTTPServer(("127.0.0.1", int(args[0])), Handler)
    server.daemon_threads = True
    sys.stderr.write(f"[simulator] MODEL SIMULATOR (not a model) on http://127.0.0.1:{args[0]}/v1"
                     + (f", answering {Handler.delay:g}s late" if Handler.delay else "") + "\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
