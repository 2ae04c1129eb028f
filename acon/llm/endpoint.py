"""The endpoint contract: the one place that decides which request fields a role sends.

Every path (`LLMClient.chat`, the DSPy bridge, GEPA's reflection calls) builds its request
body with `request_fields(config, params)`: per-call `params` override the role's
defaults, then the contract keeps what the endpoint and the model accept.

- OpenAI reasoning models (o1, o3, o4-*, gpt-5*; DSPy's own name rule, or
  `reasoning: true` for an Azure deployment whose name does not say) get no sampling
  fields (`REASONING_REJECTS`: temperature, top_p, penalties, logprobs, logit_bias,
  stop); `reasoning_effort` goes to them only on OpenAI and Azure. Several candidates
  from such a model are independent samples (sample i: seed + i, its own cache entry).
- The token limit is `max_completion_tokens` on OpenAI and Azure (and for reasoning
  models behind a generic OpenAI-compatible proxy), `max_tokens` everywhere else:
  llama.cpp and Ollama ignore `max_completion_tokens`, which would leave replies unbounded.
- String length bounds (`maxLength`, `minLength`) in a `json_schema` response format go
  only to llama.cpp and vLLM, whose grammars enforce them (a small local model then closes
  its JSON inside the token limit); OpenAI's and Azure's strict mode refuse them (HTTP
  400), and other endpoints may, so they are taken out of the schema there.
- `omit` lists fields never sent for one role, for endpoints this module does not know
  (`max_tokens` there stands for the token limit under either name).

A dropped field is logged once per (role, field) at INFO.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from acon.errors import AconError
from acon.llm.config import LOCAL_SCHEME, PROVIDERS, RoleConfig

log = logging.getLogger(__name__)

# Sampling fields OpenAI's reasoning models answer with HTTP 400. temperature and top_p:
# "Unsupported value ... Only the default (1) value is supported"; the penalties,
# logprobs and top_logprobs: "Unsupported parameter" (o-series and gpt-5); logit_bias:
# gpt-5; stop: o3, o4-mini and gpt-5*. o1 and o3-mini take logit_bias and stop, but one
# rule for the family is simpler and dropping them never fails a call.
REASONING_REJECTS = frozenset(
    {
        "temperature",
        "top_p",
        "presence_penalty",
        "frequency_penalty",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "stop",
    }
)
TOKEN_FIELDS = ("max_tokens", "max_completion_tokens")
LENGTH_KEYWORDS = ("minLength", "maxLength")
_LENGTH_PROVIDERS = ("llamacpp", "vllm")
_EFFORT_PROVIDERS = ("openai", "azure")

# The rule of dspy.clients.lm._is_openai_reasoning_model (DSPy 3.4), which refuses to
# build such an LM with a temperature; kept here so this module does not import DSPy.
# tests/llm/test_endpoint.py checks the two agree.
_REASONING_MODEL = re.compile(
    r"^(?:o[1345](?:-(?:mini|nano|pro))?(?:-\d{4}-\d{2}-\d{2})?"
    r"|gpt-5(?:\.\d+)*(?!-chat)(?:-.*)?)$"
)

_logged: set[tuple[str, str]] = set()
_logged_lock = threading.Lock()


def is_reasoning_model(model: str) -> bool:
    """Whether `model` (optionally `provider/model`) names an OpenAI reasoning model."""
    return _REASONING_MODEL.match(model.split("/")[-1].lower()) is not None


def is_reasoning(config: RoleConfig) -> bool:
    """`config.reasoning` when set, else inferred from the model name."""
    if config.reasoning is not None:
        return bool(config.reasoning)
    return is_reasoning_model(config.model)


def provider_of(config: RoleConfig) -> str:
    """The endpoint's kind: `config.provider`, or for `auto` inferred from `base_url`."""
    provider = (config.provider or "auto").lower()
    if provider not in PROVIDERS:
        raise AconError(
            f"provider={config.provider!r} is not known: use one of {', '.join(PROVIDERS)}."
        )
    if provider != "auto":
        return provider
    if config.base_url.startswith(LOCAL_SCHEME):
        return "llamacpp"
    host = (urlsplit(config.base_url).hostname or "").lower()
    if host == "api.openai.com":
        return "openai"
    if host.endswith((".openai.azure.com", ".cognitiveservices.azure.com")):
        return "azure"
    return "generic"


def token_field(config: RoleConfig) -> str:
    """The name the endpoint reads the completion-token limit from."""
    provider = provider_of(config)
    if provider in _EFFORT_PROVIDERS:
        return "max_completion_tokens"
    if provider == "generic" and is_reasoning(config):  # a proxy in front of OpenAI
        return "max_completion_tokens"
    return "max_tokens"


def request_fields(
    config: RoleConfig, params: Mapping[str, Any], *, role: str = "llm", sample: int = 0
) -> dict[str, Any]:
    """The exact request body, less `model` and `messages`, for one call of `role`.

    `params` (temperature, max_tokens or max_completion_tokens, response_format, tools,
    ...) override the role's defaults; a param set to None is not sent. `sample` picks
    the seed (`seed + sample`)."""
    params = dict(params)
    limit: Any = config.max_tokens
    for name in TOKEN_FIELDS:  # either spelling is the caller's limit
        if name in params:
            limit = params.pop(name)
    wanted: dict[str, Any] = {
        "temperature": config.temperature,
        "seed": None if config.seed is None else config.seed + sample,
        "reasoning_effort": config.reasoning_effort,
        **params,
        token_field(config): limit,
    }
    omit = set(config.omit or ())
    fields: dict[str, Any] = {}
    for name, value in wanted.items():
        if value is None:
            continue
        reason = _refusal(config, name)
        if name in omit or (name in TOKEN_FIELDS and omit & set(TOKEN_FIELDS)):
            reason = f"llm.{role}.omit lists {name}"
        if reason:
            _log_once(role, name, f"{reason}: not sent")
            continue
        fields[name] = value
    provider = provider_of(config)
    if "response_format" in fields and provider not in _LENGTH_PROVIDERS:
        unbounded = _without_lengths(fields["response_format"])
        if unbounded != fields["response_format"]:
            fields["response_format"] = unbounded
            _log_once(
                role,
                "maxLength",
                f"{provider} takes no string length bounds in a JSON schema: sent without them",
            )
    return fields


def _without_lengths(node: Any) -> Any:
    """`node` (a response format) with every string length bound taken out, as a copy."""
    if isinstance(node, dict):
        return {k: _without_lengths(v) for k, v in node.items() if k not in LENGTH_KEYWORDS}
    if isinstance(node, list):
        return [_without_lengths(v) for v in node]
    return node


def _refusal(config: RoleConfig, name: str) -> str | None:
    """Why the endpoint would refuse field `name`, or None when it takes it."""
    reasoning = is_reasoning(config)
    if reasoning and name in REASONING_REJECTS:
        return f"{config.model} takes no {name}"
    if name == "reasoning_effort":
        if not reasoning:
            return f"{config.model} is not a reasoning model and takes no reasoning_effort"
        if provider_of(config) not in _EFFORT_PROVIDERS:
            return f"reasoning_effort goes only to OpenAI and Azure, not {provider_of(config)}"
    return None


def _log_once(role: str, name: str, message: str) -> None:
    with _logged_lock:
        if (role, name) in _logged:
            return
        _logged.add((role, name))
    log.info("%s: %s", role, message)
