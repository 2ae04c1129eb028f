"""A scripted OpenAI-compatible endpoint on 127.0.0.1, for tests and benchmarks.

    with FakeOpenAI(["first reply", 429, "second reply"]) as fake:
        ...  # fake.base_url; fake.requests holds every request body received

Each script item answers one request: a string (the reply text), a dict (the whole
`message`), an int (an error status, with `retry-after-ms: 1` so retries are quick), or
a `(status, body)` pair (that status with that JSON body, e.g. a server's real error).
When the script runs out, `default` answers (a callable of the request body, or text).

By default it accepts every request. `rules` makes it refuse what a real endpoint
refuses, with HTTP 400, before any script item is used (`fake.rejected` lists them):

- "openai", "azure": the OpenAI API's rules, with its real error body
  `{"error": {"message", "type": "invalid_request_error", "param", "code"}}`: unknown
  fields; on reasoning models (DSPy's name rule, from the request's `model`) `max_tokens`,
  a temperature other than 1, top_p, the penalties, logprobs, top_logprobs, `logit_bias`
  (gpt-5*) and `stop` (all but o1 and o3-mini); `reasoning_effort` on other models; and a
  strict `json_schema` with an object that is not closed or does not require every key,
  or with a string length bound (`minLength`, `maxLength`).
  `reasoning_models` names deployments that serve a reasoning model under another name.
- "vllm": accepts both `max_tokens` and `max_completion_tokens`.
- "llamacpp", "ollama": refuse `max_completion_tokens` and `reasoning_effort`. Stricter
  than the real servers, which ignore them (a reply then runs unbounded), so that a test
  sees the mistake.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | int | dict[str, Any] | tuple[int, dict[str, Any]]
RULES = ("openai", "azure", "vllm", "llamacpp", "ollama")
LENGTH_KEYWORDS = ("minLength", "maxLength")


class FakeOpenAI:
    def __init__(
        self,
        script: Iterable[Reply] = (),
        default: Callable[[dict[str, Any]], Reply] | Reply = "ok",
        usage: dict[str, int] | None = None,
        rules: str | None = None,
        reasoning_models: Iterable[str] = (),
    ):
        if rules is not None and rules not in RULES:
            raise ValueError(f"rules={rules!r}: use one of {', '.join(RULES)} or None")
        self.script: deque[Reply] = deque(script)
        self.default = default
        self.usage = usage or {"prompt_tokens": 12, "completion_tokens": 3, "cached_tokens": 0}
        self.rules = rules
        self.requests: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []  # {"request": body, "error": error object}
        self.reasoning_models = set(reasoning_models)
        if rules in ("openai", "azure"):
            _reasoning_rule()  # import DSPy now, not inside the first request
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

    def refusal(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The error object this endpoint's rules answer `body` with, or None."""
        if self.rules in ("openai", "azure"):
            model = str(body.get("model", ""))
            reasoning = model in self.reasoning_models or _reasoning_rule()(model)
            return _openai_refusal(body, reasoning)
        if self.rules in ("llamacpp", "ollama"):
            for name in ("max_completion_tokens", "reasoning_effort"):
                if body.get(name) is not None:
                    return _error(
                        f"Unsupported parameter: '{name}' is ignored by {self.rules} (the "
                        f"stand-in refuses it; send 'max_tokens' for the token limit).",
                        name,
                        "unsupported_parameter",
                    )
        return None

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            error = self.refusal(body)
            if error is not None:
                self.rejected.append({"request": body, "error": error})
                return (400, {"error": error})
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
                quick_retry = {"retry-after-ms": "1"}
                if isinstance(reply, tuple):
                    self._send(reply[0], reply[1], quick_retry)
                elif isinstance(reply, int):
                    self._send(reply, {"error": {"message": f"scripted {reply}"}}, quick_retry)
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


# -- the OpenAI API's rules (Chat Completions), as its real 400 answers state them ------

# The request fields the API knows; any other is "Unrecognized request argument supplied".
OPENAI_FIELDS = frozenset(
    {
        "model",
        "messages",
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "metadata",
        "modalities",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)
# Refused outright by every reasoning model ("Unsupported parameter").
_REASONING_UNSUPPORTED = (
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "top_logprobs",
)


def _reasoning_rule() -> Callable[[str], bool]:
    # DSPy's own rule, deliberately not acon.llm.endpoint's copy: the stand-in checks it.
    from dspy.clients.lm import _is_openai_reasoning_model

    return _is_openai_reasoning_model


def _error(message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"message": message, "type": "invalid_request_error", "param": param, "code": code}


def _unsupported(name: str, hint: str = "") -> dict[str, Any]:
    message = f"Unsupported parameter: '{name}' is not supported with this model.{hint}"
    return _error(message, name, "unsupported_parameter")


def _openai_refusal(body: dict[str, Any], reasoning: bool) -> dict[str, Any] | None:
    for name in body:
        if name not in OPENAI_FIELDS:
            return _error(f"Unrecognized request argument supplied: {name}", None, None)
    given = {k for k, v in body.items() if v is not None}
    model = str(body.get("model", ""))
    family = model.split("/")[-1].lower()
    if reasoning:
        if "max_tokens" in given:
            return _unsupported("max_tokens", " Use 'max_completion_tokens' instead.")
        temperature = body.get("temperature")
        if temperature is not None and temperature != 1:
            return _error(
                f"Unsupported value: 'temperature' does not support {json.dumps(temperature)} "
                "with this model. Only the default (1) value is supported.",
                "temperature",
                "unsupported_value",
            )
        for name in _REASONING_UNSUPPORTED:
            if name in given:
                return _unsupported(name)
        if "logit_bias" in given and family.startswith("gpt-5"):
            return _unsupported("logit_bias")
        if "stop" in given and not family.startswith(("o1", "o3-mini")):
            return _unsupported("stop")
    elif "reasoning_effort" in given:
        return _error("Unrecognized request argument supplied: reasoning_effort", None, None)
    return _schema_refusal(body.get("response_format"))


def _schema_refusal(response_format: Any) -> dict[str, Any] | None:
    """Strict structured outputs need every object closed and every key required."""
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema") or {}
    if not spec.get("strict"):
        return None
    problem = _open_object(spec.get("schema") or {}, ())
    if problem is None:
        return None
    message = f"Invalid schema for response_format '{spec.get('name', '')}': {problem}"
    return _error(message, "response_format", "invalid_json_schema")


def _open_object(schema: Any, path: tuple[Any, ...]) -> str | None:
    """The first object schema (depth first) that strict mode refuses, as OpenAI words it."""
    if not isinstance(schema, dict):
        return None
    for keyword in LENGTH_KEYWORDS:  # string lengths: not in strict mode's subset
        if keyword in schema:
            return f"In context={path!r}, '{keyword}' is not permitted."
    properties = schema.get("properties") or {}
    if schema.get("type") == "object" or properties:
        if schema.get("additionalProperties") is not False:
            return (
                f"In context={path!r}, 'additionalProperties' is required to be supplied "
                "and to be false."
            )
        required = schema.get("required")
        missing = [k for k in properties if not isinstance(required, list) or k not in required]
        if missing:
            return (
                f"In context={path!r}, 'required' is required to be supplied and to be an "
                f"array including every key in properties. Missing '{missing[0]}'."
            )
    children: list[tuple[tuple[Any, ...], Any]] = [
        (("properties", k), v) for k, v in properties.items()
    ]
    if "items" in schema:
        children.append((("items",), schema["items"]))
    children += [(("anyOf", i), s) for i, s in enumerate(schema.get("anyOf") or [])]
    for defs in ("$defs", "definitions"):
        children += [((defs, k), s) for k, s in (schema.get(defs) or {}).items()]
    for sub, child in children:
        problem = _open_object(child, path + sub)
        if problem is not None:
            return problem
    return None
