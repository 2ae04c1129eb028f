"""A scripted OpenAI-compatible endpoint on 127.0.0.1, for tests and benchmarks.

    with FakeOpenAI(["first reply", 429, "second reply"]) as fake:
        ...  # fake.base_url; fake.requests holds every request body received

Each script item answers one request: a string (the reply text), a dict (the whole
`message`), or an int (an error status, with `retry-after-ms: 1` so retries are quick).
When the script runs out, `default` answers (a callable of the request body, or text).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | int | dict[str, Any]


class FakeOpenAI:
    def __init__(
        self,
        script: Iterable[Reply] = (),
        default: Callable[[dict[str, Any]], Reply] | Reply = "ok",
        usage: dict[str, int] | None = None,
    ):
        self.script: deque[Reply] = deque(script)
        self.default = default
        self.usage = usage or {"prompt_tokens": 12, "completion_tokens": 3, "cached_tokens": 0}
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if self.script:
                return self.script.popleft()
        return self.default(body) if callable(self.default) else self.default

    def completion(self, body: dict[str, Any], reply: str | dict[str, Any]) -> dict[str, Any]:
        message = reply if isinstance(reply, dict) else {"role": "assistant", "content": reply}
        u = self.usage
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": u["prompt_tokens"],
                "completion_tokens": u["completion_tokens"],
                "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
                "prompt_tokens_details": {"cached_tokens": u["cached_tokens"]},
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else 40 ms of delayed-ACK per reply

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                reply = fake._next(body)
                if isinstance(reply, int):
                    self._send(
                        reply, {"error": {"message": f"scripted {reply}"}}, {"retry-after-ms": "1"}
                    )
                else:
                    self._send(200, fake.completion(body, reply))

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
