"""One OpenAI-compatible chat client per role, with accounting, caching, retries and a
concurrency limit. Every role (agent, compressor, optimizer, judge) calls through it.

The request body comes from the endpoint contract (`acon.llm.endpoint.request_fields`),
and the response-cache key is computed on that final body. A call that fails for good
raises `LLMCallError`, whose `kind` says why and whose message names the fix.

Retries with exponential backoff (honouring Retry-After) are the `openai` SDK's own, on
429, 5xx, time-outs and connection errors, bounded by `max_retries`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import openai

from acon.errors import AconError
from acon.llm.cache import ResponseCache, cache_key
from acon.llm.config import RoleConfig
from acon.llm.endpoint import is_reasoning, request_fields
from acon.llm.pricing import PriceTable
from acon.llm.usage import Usage, UsageLedger
from acon.tokens import count_messages, count_text

Message = Mapping[str, Any]


ERROR_KINDS = (
    "connection",
    "timeout",
    "auth",
    "not_found",
    "rate_limit",
    "server",
    "bad_request",
    "context_overflow",
)


class LLMCallError(AconError):
    """A call that failed for good (after retries, or not retryable). `kind` is one of
    ERROR_KINDS; `param` names the request field an endpoint rejected, when it says."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        *,
        role: str | None = None,
        kind: str | None = None,
        param: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.role = role
        self.kind = kind
        self.param = param


@dataclass(frozen=True)
class ChatResult:
    text: str
    usage: Usage
    latency_s: float
    cache_hit: bool
    model: str
    cost_usd: float = 0.0
    finish_reason: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict, repr=False)
    # the messages as the caller sent them (the trajectory keeps a compressor's, the
    # input of a distilled student: acon.distill)
    messages: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def json(self) -> Any:
        """The reply parsed as JSON (a surrounding Markdown code fence is tolerated)."""
        return reply_json(self.text)


class ChatClient(Protocol):
    """What the harness asks of a model: a chat reply (LLMClient; the tests' scripted ones)."""

    def chat(self, messages: list[dict[str, Any]], **params: Any) -> ChatResult: ...


def reply_json(text: str) -> Any:
    """A model's reply parsed as JSON, a surrounding Markdown code fence tolerated
    (ValueError when it is not JSON)."""
    match = _FENCE.search(text)
    return json.loads(match.group(1) if match else text)


_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)


class LLMClient:
    """Chat with one role's endpoint. `base_url` is where requests go (for a local model,
    the running server's address); the cache key uses the configured endpoint instead,
    so a local server's random port does not defeat the cache."""

    def __init__(
        self,
        role: str,
        config: RoleConfig,
        *,
        ledger: UsageLedger,
        prices: PriceTable,
        cache: ResponseCache | None = None,
        base_url: str | Callable[[], str] | None = None,
        cache_endpoint: str | None = None,
    ):
        self.role = role
        self.config = config
        # where requests go; a callable is asked at the first live call (a local model's
        # server starts there, so a run answered from the cache starts none)
        self._base_url: str | Callable[[], str] = base_url or config.base_url
        # what the cache keys on: the configured endpoint, or this when its name alone
        # does not say what answers (a local adapter, by its sha256)
        self.cache_endpoint = cache_endpoint or config.base_url
        self._ledger = ledger
        self._prices = prices
        self._cache = cache
        self._slots = threading.BoundedSemaphore(max(1, config.max_concurrency))
        self._connect = threading.Lock()
        self._client: openai.OpenAI | None = None
        self._api_key = config.api_key(role)  # now: a missing key or variable stops the run

    @property
    def base_url(self) -> str:
        with self._connect:
            if callable(self._base_url):
                self._base_url = self._base_url()
            return self._base_url

    @property
    def _openai(self) -> openai.OpenAI:
        url = self.base_url
        with self._connect:
            if self._client is None:
                self._client = openai.OpenAI(
                    base_url=url,
                    api_key=self._api_key,
                    max_retries=self.config.max_retries,
                    timeout=self.config.timeout_s,
                )
            return self._client

    def chat(
        self,
        messages: Sequence[Message],
        *,
        sample: int = 0,
        **params: Any,
    ) -> ChatResult:
        """One chat completion. `params` are OpenAI request fields (`response_format`,
        `tools`, `stop`, `temperature`, `max_tokens`, ...) and override the role's
        defaults; the endpoint contract then drops what this endpoint and model refuse.
        `sample` picks one of several independent samples of the same request (its seed
        is `seed + sample`, and it has its own cache entry)."""
        cfg = self.config
        request = request_fields(cfg, params, role=self.role, sample=sample)
        key = None
        if self._cache is not None:
            key = cache_key(self.cache_endpoint, cfg.model, list(messages), request, sample)
            hit = self._cache.get(key)
            if hit is not None:
                return self._finish(messages, hit["response"], hit["latency_s"], True, 0)

        self._ledger.check_budget()
        start = time.perf_counter()
        with self._slots:
            try:
                raw = self._openai.chat.completions.with_raw_response.create(
                    model=cfg.model, messages=cast(Any, list(messages)), **request
                )
            except openai.APIError as exc:
                elapsed = time.perf_counter() - start
                self._ledger.record_failure(
                    self.role, cfg.model, latency_s=elapsed, retries=_retries_of(exc, cfg)
                )
                raise self._explain(exc) from exc
        latency = time.perf_counter() - start
        response = raw.http_response.json()
        if self._cache is not None and key is not None:
            self._cache.set(key, {"response": response, "latency_s": latency})
        return self._finish(messages, response, latency, False, raw.retries_taken)

    def _finish(
        self,
        messages: Sequence[Message],
        response: dict[str, Any],
        latency: float,
        cache_hit: bool,
        retries: int,
    ) -> ChatResult:
        choice = (response.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        text = message.get("content") or ""
        tool_calls = message.get("tool_calls") or []
        usage = _usage(response, messages, text, tool_calls)
        model = response.get("model") or self.config.model
        cost = self._prices.cost(
            self.config.model, usage.prompt, usage.cached_prompt, usage.completion
        )
        self._ledger.record(
            self.role,
            self.config.model,
            usage,
            latency_s=latency,
            cost_usd=cost,
            cache_hit=cache_hit,
            retries=retries,
        )
        return ChatResult(
            text=text,
            usage=usage,
            latency_s=latency,
            cache_hit=cache_hit,
            model=model,
            cost_usd=cost,
            finish_reason=choice.get("finish_reason"),
            tool_calls=tool_calls,
            response=response,
            messages=[dict(m) for m in messages],
        )

    def _explain(self, exc: openai.APIError) -> LLMCallError:
        """Turn the SDK's exception into one sentence that names the fix."""
        role, url, cfg = self.role, self.base_url, self.config
        tries = f"after {cfg.max_retries} retries"
        status = getattr(exc, "status_code", None)
        body = _error_body(exc)
        detail = _error_detail(exc)
        param = None
        if isinstance(exc, openai.APITimeoutError):
            kind = "timeout"
            msg = (
                f"The {role} endpoint {url} timed out {tries}: raise llm.{role}.timeout_s "
                f"or check that the server is not overloaded."
            )
        elif isinstance(exc, openai.APIConnectionError):
            kind = "connection"
            msg = (
                f"Could not reach the {role} endpoint {url} {tries}: start that server "
                f"or fix llm.{role}.base_url."
            )
        elif _is_context_overflow(body):
            kind = "context_overflow"
            msg = (
                f"The {role} endpoint {url} refused a request longer than {cfg.model}'s "
                f"context (HTTP {status}: {detail}): shorten the context (e.g. compress "
                f"earlier), lower llm.{role}.max_tokens, or give the model a larger context."
            )
        elif isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            kind = "auth"
            msg = (
                f"The {role} endpoint {url} refused the API key from ${cfg.api_key_env} "
                f"(HTTP {status}): export a valid key."
                if cfg.api_key_env
                else f"The {role} endpoint {url} wants an API key and none is configured "
                f"(HTTP {status}): export the key and name its variable in "
                f"llm.{role}.api_key_env (e.g. llm.{role}.api_key_env=OPENAI_API_KEY)."
            )
        elif isinstance(exc, openai.NotFoundError):
            kind = "not_found"
            msg = (
                f"The {role} endpoint {url} has no model {cfg.model!r} (HTTP 404): "
                f"fix llm.{role}.model or llm.{role}.base_url."
            )
        elif isinstance(exc, openai.RateLimitError):
            kind = "rate_limit"
            msg = (
                f"The {role} endpoint {url} was still rate-limiting {tries}: lower "
                f"llm.{role}.max_concurrency or raise llm.{role}.max_retries."
            )
        elif isinstance(exc, openai.InternalServerError):
            kind = "server"
            msg = (
                f"The {role} endpoint {url} kept failing with HTTP {status} {tries}: "
                f"check the server's log."
            )
        else:
            kind, param = "bad_request", _rejected_param(body)
            msg = self._bad_request(status, detail, param, body)
        return LLMCallError(msg, status=status, role=role, kind=kind, param=param)

    def _bad_request(
        self, status: int | None, detail: str, param: str | None, body: dict[str, Any]
    ) -> str:
        role, url, cfg = self.role, self.base_url, self.config
        if param is None:
            return f"The {role} endpoint {url} rejected the request (HTTP {status}): {detail}"
        if not _is_unsupported(body):  # a value the caller built, e.g. a bad schema
            return (
                f"The {role} endpoint {url} rejected the value of parameter {param!r} "
                f"(HTTP {status}): {detail}"
            )
        reasoning = is_reasoning(cfg)
        return (
            f"The {role} endpoint {url} rejected parameter {param!r} (HTTP {status}: "
            f"{detail}): remove it with llm.{role}.omit=[{param}], or set "
            f"llm.{role}.reasoning={str(not reasoning).lower()} if {cfg.model} is "
            f"{'not ' if reasoning else ''}an OpenAI reasoning model."
        )


def _usage(
    response: dict[str, Any], messages: Sequence[Message], text: str, tool_calls: list[Any]
) -> Usage:
    reported = response.get("usage") or {}
    details = reported.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens")
    if cached is None:  # llama.cpp reports its prompt cache in `timings`
        cached = (response.get("timings") or {}).get("cache_n", 0)
    completion_text = text + "".join(
        (c.get("function") or {}).get("name", "") + (c.get("function") or {}).get("arguments", "")
        for c in tool_calls
    )
    return Usage(
        prompt=int(reported.get("prompt_tokens") or 0),
        cached_prompt=int(cached or 0),
        completion=int(reported.get("completion_tokens") or 0),
        prompt_cl100k=count_messages(messages),
        completion_cl100k=count_text(completion_text),
    )


def _retries_of(exc: openai.APIError, cfg: RoleConfig) -> int:
    retryable = isinstance(
        exc, openai.APIConnectionError | openai.RateLimitError | openai.InternalServerError
    )
    return cfg.max_retries if retryable else 0


def _error_detail(exc: openai.APIError) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)
    return str(exc.message if hasattr(exc, "message") else exc)


def _error_body(exc: openai.APIError) -> dict[str, Any]:
    """The error object of a status error (the SDK unwraps OpenAI's `{"error": ...}`)."""
    body = getattr(exc, "body", None) if isinstance(exc, openai.APIStatusError) else None
    return body if isinstance(body, dict) else {}


def _is_context_overflow(body: dict[str, Any]) -> bool:
    """OpenAI's `context_length_exceeded`, llama.cpp's `exceed_context_size_error`, and
    vLLM's "This model's maximum context length is ..." (a plain 400)."""
    message = str(body.get("message") or "")
    return (
        body.get("code") == "context_length_exceeded"
        or body.get("type") == "exceed_context_size_error"
        or "exceeds the available context size" in message
        or "maximum context length" in message
    )


# OpenAI names the field in `param`, except for fields it does not know at all.
_NAMED_IN_MESSAGE = re.compile(
    r"Unrecognized request argument supplied: (\w+)|Unsupported (?:parameter|value): '(\w+)'"
)


def _rejected_param(body: dict[str, Any]) -> str | None:
    param = body.get("param")
    if isinstance(param, str) and param:
        return param
    match = _NAMED_IN_MESSAGE.search(str(body.get("message") or ""))
    return (match.group(1) or match.group(2)) if match else None


def _is_unsupported(body: dict[str, Any]) -> bool:
    """The endpoint refuses the field itself (or any value but its default)."""
    message = str(body.get("message") or "")
    return body.get("code") in ("unsupported_parameter", "unsupported_value") or bool(
        _NAMED_IN_MESSAGE.search(message)
    )
