"""A scripted LLM server on 127.0.0.1 speaking the Anthropic Messages and OpenAI Chat Completions protocols.

Tests and benchmarks drive the real ``anthropic`` and ``litellm`` clients against it. Answers come
from a responder (by default one that fills the requested JSON schema from the delimited data in
the prompt); faults (429, 500, delays, invalid JSON, refusals) are injected per request. Run it
standalone with ``python tests/llm_protocol_server.py --port 8765 --latency 0.05 [--workers N]``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

FaultKind = Literal["rate_limit", "server_error", "delay", "invalid_json", "refusal"]


@dataclass(frozen=True)
class Fault:
    """What the server does instead of (or before) answering one request."""

    kind: FaultKind
    retry_after: float = 1.0  # rate_limit: the retry-after header, in seconds
    seconds: float = 0.0  # delay: extra latency before the normal answer


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    api: Literal["anthropic", "openai"]
    path: str
    body: dict[str, Any]
    headers: dict[str, str]  # names lower-cased
    schema: dict[str, Any] | None
    prompt_text: str
    fault: Fault | None = None

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))


Responder = Callable[[RecordedRequest], dict[str, Any]]

_STOP = {
    *("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "how", "i", "in", "is", "it"),
    *("me", "my", "of", "on", "or", "please", "the", "this", "to", "what", "with", "you", "your", "asks"),
    *("user", "about", "help", "requests", "request", "question"),
}


def _tag_text(prompt: str) -> str:
    """The text inside the first data tag of the prompt (the part a real model would read as data)."""
    match = re.search(
        r"<(conversation|inside_examples|children|candidates|text|child)>(.*?)</\1>", prompt, re.S
    )
    return match.group(2) if match else prompt


def _topic(prompt: str, n_words: int = 6) -> str:
    data = _tag_text(prompt)
    user = re.search(r"<user>(.*?)</user>", data, re.S)
    words = re.findall(r"[^\W\d_]+", user.group(1) if user else data)
    if not user:  # lists of examples: the most frequent content words
        counts = collections.Counter(w.lower() for w in words if w.lower() not in _STOP and len(w) > 2)
        return " ".join(w for w, _ in counts.most_common(3)) or "general requests"
    return " ".join(words[:n_words]) or "something"


def _fill(schema: dict, defs: dict, name: str, prompt: str, index: int = 0) -> Any:
    if "$ref" in schema:
        return _fill(defs[schema["$ref"].split("/")[-1]], defs, name, prompt, index)
    if "anyOf" in schema:
        return _fill(next(s for s in schema["anyOf"] if s.get("type") != "null"), defs, name, prompt, index)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if kind == "object":
        props = schema.get("properties", {})
        return {key: _fill(sub, defs, key, prompt, index) for key, sub in props.items()}
    if kind == "array":
        count = max(schema.get("minItems", 1), 1)
        return [_fill(schema.get("items", {}), defs, name, prompt, i) for i in range(count)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 0.0))
    if kind == "boolean":
        return False
    topic = _topic(prompt)
    suffix = f" {index + 1}" if index else ""
    if name == "request":
        return f"The user asks about {topic}."
    if name == "task":
        return f"Help with {topic}"
    if name == "title":
        return f"Help with {topic}{suffix}"[:100]
    if name == "description":
        return f"Requests about {topic}{suffix}. They share one theme."
    return f"{name} about {topic}"


def _audit_scores(prompt: str) -> dict[str, Any]:
    """One score per numbered text: 2 for emails or long numbers, else 5."""
    texts = re.search(r"<texts>(.*?)</texts>", prompt, re.S)
    lines = re.findall(r"^(\d+)\. (.*)$", texts.group(1) if texts else "", re.M)
    scores = [
        {"index": int(n), "score": 2 if re.search(r"\S@\S|\d{5,}", text) else 5, "reason": "scripted"}
        for n, text in lines
    ]
    return {"scores": scores}


def default_responder(request: RecordedRequest) -> dict[str, Any]:
    """An answer matching the requested schema, derived from the data in the prompt."""
    schema = request.schema or {"type": "object", "properties": {}}
    if "scores" in schema.get("properties", {}):
        return _audit_scores(request.prompt_text)
    return _fill(schema, schema.get("$defs", {}), "", request.prompt_text)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _parse(path: str, body: dict[str, Any], headers: dict[str, str]) -> RecordedRequest:
    api: Literal["anthropic", "openai"] = "anthropic" if path.endswith("/messages") else "openai"
    texts = [_content_text(body.get("system", ""))]
    texts += [_content_text(m.get("content")) for m in body.get("messages", [])]
    schema = None
    if api == "anthropic" and body.get("tools"):
        schema = body["tools"][0].get("input_schema")
    elif api == "openai":
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            schema = fmt["json_schema"].get("schema")
        elif body.get("tools"):
            schema = body["tools"][0]["function"].get("parameters")
    return RecordedRequest(api, path, body, headers, schema, "\n".join(texts))


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _success(req: RecordedRequest, answer: dict | None, raw_text: str, refusal: str | None) -> dict:
    """The protocol's success body carrying ``answer`` (or raw text / a refusal)."""
    out_text = refusal or raw_text or json.dumps(answer)
    usage_in, usage_out = _estimate_tokens(req.prompt_text), _estimate_tokens(out_text)
    if req.api == "anthropic":
        if refusal:
            content, stop = [{"type": "text", "text": refusal}], "refusal"
        elif req.body.get("tools") and not raw_text:
            tool = req.body["tools"][0]["name"]
            content = [
                {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}", "name": tool, "input": answer}
            ]
            stop = "tool_use"
        else:
            content, stop = [{"type": "text", "text": out_text}], "end_turn"
        return {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": req.model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": usage_in, "output_tokens": usage_out},
        }
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": refusal}
    finish = "stop"
    if not refusal and req.body.get("tools") and not req.body.get("response_format") and not raw_text:
        fn = req.body["tools"][0]["function"]["name"]
        call = {
            "id": f"call_{uuid.uuid4().hex[:20]}",
            "type": "function",
            "function": {"name": fn, "arguments": json.dumps(answer)},
        }
        message["tool_calls"], finish = [call], "tool_calls"
    elif not refusal:
        message["content"] = out_text
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:20]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": req.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": usage_in,
            "completion_tokens": usage_out,
            "total_tokens": usage_in + usage_out,
        },
    }


def _error(api: str, status: int, kind: str) -> dict:
    if api == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": f"scripted {kind}"}}
    return {"error": {"message": f"scripted {kind}", "type": kind, "code": str(status)}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the benchmarks open up to 4 shards x 128 connections at once


class _SharedPortServer(_Server):
    allow_reuse_port = True  # SO_REUSEPORT: the kernel spreads connections over the worker processes


@dataclass
class ProtocolServer:
    """The server, its script and what it observed. Use as a context manager or call start()/stop()."""

    responder: Responder = default_responder
    latency: float = 0.0
    host: str = "127.0.0.1"
    port: int = 0
    faults: collections.deque[Fault] = field(default_factory=collections.deque)
    fault_rule: Callable[[RecordedRequest], Fault | None] | None = None
    record: bool = True
    reuse_port: bool = False  # several server processes may share the port (the benchmarks' --workers)
    requests: list[RecordedRequest] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    max_in_flight: int = 0
    request_count: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Base URL for the Anthropic SDK (it appends /v1/messages)."""
        assert self._httpd is not None, "server not started"
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    @property
    def openai_base(self) -> str:
        """Base URL for OpenAI-style clients (they append /chat/completions)."""
        return f"{self.url}/v1"

    def script(self, *faults: Fault) -> None:
        """Apply these faults, in order, to the next requests."""
        with self._lock:
            self.faults.extend(faults)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.arrivals.clear()
            self.faults.clear()
            self.max_in_flight = self.request_count = 0

    def _next_fault(self, req: RecordedRequest) -> Fault | None:
        with self._lock:
            self.request_count += 1
            self.arrivals.append(time.monotonic())
            if self.record:
                self.requests.append(req)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            if self.faults:
                return self.faults.popleft()
        return self.fault_rule(req) if self.fault_rule else None

    def handle(self, path: str, body: dict, headers: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        """Status, JSON body and extra headers for one request."""
        req = _parse(path, body, headers)
        fault = req.fault = self._next_fault(req)
        try:
            if self.latency:
                time.sleep(self.latency)
            if fault and fault.kind == "delay":
                time.sleep(fault.seconds)
            if fault and fault.kind == "rate_limit":
                kind = "rate_limit_error" if req.api == "anthropic" else "rate_limit_exceeded"
                return 429, _error(req.api, 429, kind), {"retry-after": f"{fault.retry_after:g}"}
            if fault and fault.kind == "server_error":
                return 500, _error(req.api, 500, "api_error"), {}
            if fault and fault.kind == "refusal":
                return 200, _success(req, None, "", "I can't help with that request."), {}
            if fault and fault.kind == "invalid_json":
                return 200, _success(req, None, '{"request": "truncated', None), {}
            return 200, _success(req, self.responder(req), "", None), {}
        finally:
            with self._lock:
                self._in_flight -= 1

    def start(self) -> ProtocolServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in one write (flushed after do_POST) with Nagle off: a header
            # packet followed by a Nagle-delayed body stalls each keep-alive request for the peer's
            # delayed-ACK timer (~40 ms on Linux), which capped throughput far below the latency's.
            disable_nagle_algorithm = True
            wbufsize = 1 << 16

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length)
                path = self.path.split("?")[0]
                # Header names are case-insensitive and clients differ (httpx keeps case, aiohttp lowers).
                headers = {key.lower(): value for key, value in self.headers.items()}
                if not (path.endswith("/messages") or path.endswith("/chat/completions")):
                    status, payload, extra = 404, {"error": {"message": f"no route {path}"}}, {}
                else:
                    status, payload, extra = server.handle(path, json.loads(raw), headers)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in extra.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout); nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server_class = _SharedPortServer if self.reuse_port else _Server
        self._httpd = server_class((self.host, self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ProtocolServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve_forever(port: int, latency: float, reuse_port: bool, parent: int | None = None) -> None:
    """Serve until interrupted or, for an extra worker, until its parent process is gone."""
    server = ProtocolServer(latency=latency, port=port, record=False, reuse_port=reuse_port).start()
    print(f"listening on {server.url}", flush=True)
    try:
        if parent is None:
            threading.Event().wait()
        while os.getppid() == parent:  # a terminated parent must not leave workers holding the port
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes sharing the port (SO_REUSEPORT)"
    )
    args = parser.parse_args()
    if args.workers > 1:
        import multiprocessing

        for _ in range(args.workers - 1):
            multiprocessing.Process(
                target=_serve_forever, args=(args.port, args.latency, True, os.getpid()), daemon=True
            ).start()
    _serve_forever(args.port, args.latency, args.workers > 1)


if __name__ == "__main__":
    main()
