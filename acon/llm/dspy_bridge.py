"""DSPy programs on the accounted LLM layer.

`dspy_lm(client)` returns a `dspy.LM` whose engine sends every request through an
`LLMClient`: the same retries, response cache, concurrency limit and per-role usage
as any other call. DSPy's own cache is off (ours is the one that knows endpoints and
sample indices), and DSPy adds no retries of its own. The request body still comes from
the endpoint contract (`acon.llm.endpoint`), so an OpenAI reasoning model gets no
temperature and the role's token limit under the field its endpoint reads.

    with dspy.context(lm=dspy_lm(llms.client("optimizer"), sample=i)):
        program(...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dspy
from dspy.clients.engines.base import validate_request
from dspy.clients.lm15_boundary import request_kwargs, response_value
from dspy.utils.exceptions import LMUnsupportedFeatureError

from acon.errors import AconError
from acon.llm.client import ChatResult, LLMClient
from acon.llm.endpoint import is_reasoning, is_reasoning_model


class AconEngine:
    """A DSPy engine (`complete(Request) -> Response`) backed by an `LLMClient`.
    `sample` selects an independent sample (its own seed and cache entry); `params` are
    request fields DSPy's own request does not carry (it overrides them)."""

    def __init__(
        self,
        client: LLMClient,
        sample: int = 0,
        params: dict[str, Any] | None = None,
        on_result: Callable[[ChatResult], None] | None = None,
    ):
        self.client = client
        self.sample = sample
        self.params = dict(params or {})
        self.on_result = on_result  # sees each reply (e.g. whether it was cut at max_tokens)

    def complete(self, request: Any) -> Any:
        validate_request(request)
        body = request_kwargs(request, "chat")
        messages = body.pop("messages")
        body.pop("n", None)
        if "max_completion_tokens" in body:  # llama.cpp and older servers know max_tokens
            body["max_tokens"] = body.pop("max_completion_tokens")
        result = self.client.chat(messages, sample=self.sample, **{**self.params, **body})
        if self.on_result is not None:
            self.on_result(result)
        return response_value(result.response, "chat", request)

    def stream(self, request: Any) -> Any:
        raise LMUnsupportedFeatureError(
            "Streaming is not supported through the Acon LLM layer.",
            model=request.model,
            features=["stream"],
        )

    def close(self) -> None:
        """The client belongs to the LLM session, which closes it."""


def dspy_lm(
    client: LLMClient,
    sample: int = 0,
    temperature: float | None = None,
    on_result: Callable[[ChatResult], None] | None = None,
    params: dict[str, Any] | None = None,
) -> dspy.LM:
    """A `dspy.LM` for one role; pass `sample=i` for the i-th of several samples (with a
    `temperature` above 0, or they differ only by seed; a reasoning model gets no
    temperature, so its samples are independent draws with their own seeds). `params`:
    request fields to send on every call (e.g. a strict `response_format`)."""
    cfg = client.config
    temperature = cfg.temperature if temperature is None else temperature
    if is_reasoning_model(cfg.model) or is_reasoning(cfg):
        # DSPy refuses to build these with a temperature other than 1 or max_tokens below
        # 16000: build without both; the engine hands the temperature to the client, whose
        # contract decides on it, and the client sends the role's own max_tokens.
        engine = AconEngine(
            client, sample, {**(params or {}), "temperature": temperature}, on_result
        )
        return dspy.LM(model=cfg.model, engine=engine, cache=False, num_retries=0)
    return dspy.LM(
        model=cfg.model,
        engine=AconEngine(client, sample=sample, params=params, on_result=on_result),
        cache=False,
        num_retries=0,
        temperature=temperature,
        max_tokens=cfg.max_tokens,
    )


@dataclass
class Predicted:
    """A DSPy program's answer, or None with why its reply was unusable."""

    prediction: Any
    replies: list[ChatResult]
    unusable: str | None = None  # "cut at max_tokens" | "unparseable (<error>)"


def predict(
    client: LLMClient,
    signature: type,
    *,
    sample: int = 0,
    temperature: float | None = None,
    params: dict[str, Any] | None = None,
    adapter: Any = None,
    **inputs: Any,
) -> Predicted:
    """One call of `signature` on `client`'s role. A reply DSPy cannot parse (or one cut at
    max_tokens) is no prediction, with its reason; our own errors (an endpoint that failed
    or refused, a spent budget) propagate as themselves, not as DSPy's wrappers."""
    replies: list[ChatResult] = []
    lm = dspy_lm(client, sample, temperature, on_result=replies.append, params=params)
    settings = {"lm": lm} | ({"adapter": adapter} if adapter is not None else {})
    try:
        with dspy.context(**settings):
            return Predicted(dspy.Predict(signature)(**inputs), replies)
    except Exception as exc:
        _reraise_ours(exc)
        cut = bool(replies) and replies[-1].finish_reason == "length"
        return Predicted(
            None, replies, "cut at max_tokens" if cut else f"unparseable ({type(exc).__name__})"
        )


def _reraise_ours(exc: BaseException) -> None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AconError):
            raise seen
        seen = seen.__cause__ or seen.__context__
