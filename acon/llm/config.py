"""The LLM layer's configuration: one endpoint description per role.

Every role (agent, compressor, optimizer, judge, compiler, reader) inherits `llm.common`
and overrides any field in `llm.<role>`; a field left null inherits. The dataclasses double as
Hydra's schema, so `llm.optimizer.model=o3` works from the command line and a wrong
type is refused before anything runs. Which request fields a role's endpoint and model
accept is decided in one place, `acon.llm.endpoint`, from `provider`, `reasoning`,
`reasoning_effort` and `omit`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from typing import Any

from acon.config.schemas import OPERATIONAL
from acon.errors import AconError

# compiler and reader: acon-compile's pair proposer and the model evaluated on the pairs
ROLES = ("agent", "compressor", "optimizer", "judge", "compiler", "reader")
PROVIDERS = ("auto", "openai", "azure", "vllm", "llamacpp", "ollama", "generic")
LOCAL_SCHEME = "local://"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# `$NAME` in a base_url: a preset's environment variable that is not set (conf/llm/azure.yaml
# writes `${oc.env:NAME,'$NAME'}`), never a host to send a key to
_UNSET_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class RoleConfig:
    """How one role reaches its model. `base_url` is an OpenAI-compatible endpoint, or
    `local://<model>` for a llama.cpp server the harness starts for that local model."""

    base_url: str = "local://qwen2.5-coder-0.5b"
    model: str = "qwen2.5-coder-0.5b"
    # name of the environment variable holding the key
    api_key_env: str | None = field(default=None, metadata=OPERATIONAL)
    temperature: float | None = 0.0  # null: not sent; reasoning models never get it
    seed: int | None = 42  # sample i of a request is sent seed + i
    max_tokens: int = 1024  # sent as max_tokens or max_completion_tokens, as the endpoint wants
    # auto | openai | azure | vllm | llamacpp | ollama | generic; auto: from base_url
    provider: str = "auto"
    # An OpenAI reasoning model (o1, o3, o4-*, gpt-5*)? null: from the model name; set it
    # for Azure deployments whose names do not say.
    reasoning: bool | None = None
    reasoning_effort: str | None = None  # low | medium | high (OpenAI/Azure reasoning models)
    omit: list[str] = field(default_factory=list)  # request fields never sent for this role
    # The model's context window in tokens, where the harness must fit a prompt (the
    # optimizer's contexts); null: a local model's server ctx_size, else unknown (no cut).
    context_window: int | None = field(default=None, metadata=OPERATIONAL)
    # How a call is made, not what it answers (left out of the rollout key):
    timeout_s: float = field(default=120.0, metadata=OPERATIONAL)
    max_retries: int = field(default=4, metadata=OPERATIONAL)
    max_concurrency: int = field(default=4, metadata=OPERATIONAL)

    @property
    def local_model(self) -> str | None:
        """The local model's name when this role uses a harness-started server."""
        if self.base_url.startswith(LOCAL_SCHEME):
            return self.base_url[len(LOCAL_SCHEME) :]
        return None

    def api_key(self, role: str) -> str:
        """The key from the environment; local and key-less endpoints get a placeholder.
        Asked before a client exists: an endpoint that names an unset variable is refused
        here, so no key goes to a placeholder host."""
        if unset := _UNSET_VARIABLE.search(self.base_url):
            name = unset.group(1)
            raise AconError(
                f"The {role} role's endpoint {self.base_url} needs the environment variable "
                f"{name}: export {name}=... (for Azure, your resource's name) before running, "
                f"or set llm.{role}.base_url."
            )
        if not self.api_key_env:
            return "no-key"
        if not _ENV_NAME.match(self.api_key_env):
            raise AconError(
                f"llm.{role}.api_key_env must name an environment variable, not hold the key: "
                f"export the key (e.g. OPENAI_API_KEY) and set "
                f"llm.{role}.api_key_env=OPENAI_API_KEY."
            )
        key = os.environ.get(self.api_key_env, "")
        if not key:
            raise AconError(
                f"The {role} role's endpoint {self.base_url} needs an API key: "
                f"export {self.api_key_env}=... before running (or point llm.{role} at llm=local)."
            )
        return key


@dataclass
class RoleOverrides:
    """`llm.<role>`: null fields inherit from `llm.common` (an explicit `omit` list
    replaces the common one). A role that sets its own `base_url` but no `provider`
    gets `provider: auto`: the common provider describes the common endpoint."""

    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    provider: str | None = None
    reasoning: bool | None = None
    reasoning_effort: str | None = None
    omit: list[str] | None = None
    context_window: int | None = None
    timeout_s: float | None = None
    max_retries: int | None = None
    max_concurrency: int | None = None


@dataclass
class ServerConfig:
    """The llama.cpp server started for each `local://` model."""

    binary: str = "llama-server"
    ctx_size: int = 16384  # per parallel slot
    parallel: int = 1
    threads: int = 2
    port: int = 0  # 0: a free port on 127.0.0.1
    startup_timeout_s: float = 180.0
    flash_attn: bool = True
    # Weight repacking uses AMX where the CPU reports it; on VMs that report AMX
    # without enabling it (these machines) llama.cpp then segfaults while loading.
    repack: bool = False
    extra_args: list[str] = field(default_factory=list)


@dataclass
class CacheConfig:
    enabled: bool = True
    dir: str = "${paths.cache_dir}/responses"


@dataclass
class LLMConfig:
    common: RoleConfig = field(default_factory=RoleConfig)
    agent: RoleOverrides = field(default_factory=RoleOverrides)
    compressor: RoleOverrides = field(default_factory=RoleOverrides)
    optimizer: RoleOverrides = field(default_factory=RoleOverrides)
    judge: RoleOverrides = field(default_factory=RoleOverrides)
    compiler: RoleOverrides = field(default_factory=RoleOverrides)
    reader: RoleOverrides = field(default_factory=RoleOverrides)
    server: ServerConfig = field(default_factory=ServerConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)


def resolve_role(llm: Any, role: str) -> RoleConfig:
    """`llm.common` with `llm.<role>`'s non-null fields on top (`llm`: the typed
    LLMConfig or its config node)."""
    if role not in ROLES:
        raise AconError(f"Unknown LLM role {role!r}: use one of {', '.join(ROLES)}.")
    common = _as_dict(_part(llm, "common"))
    overrides = {k: v for k, v in _as_dict(_part(llm, role) or {}).items() if v is not None}
    if "base_url" in overrides and "provider" not in overrides:
        overrides["provider"] = "auto"
    names = {f.name for f in dataclasses.fields(RoleConfig)}
    unknown = sorted((set(common) | set(overrides)) - names)
    if unknown:
        raise AconError(
            f"Unknown field(s) {', '.join(unknown)} in llm.{role}: valid fields are "
            f"{', '.join(sorted(names))}."
        )
    config = RoleConfig(**{**common, **overrides})
    if config.provider not in PROVIDERS:
        raise AconError(
            f"llm.{role}.provider={config.provider!r} is not known: use one of "
            f"{', '.join(PROVIDERS)}."
        )
    return config


def _part(llm: Any, name: str) -> Any:
    if dataclasses.is_dataclass(llm):
        return getattr(llm, name, None)
    return llm.get(name)


def _as_dict(node: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return dataclasses.asdict(node)
    try:
        from omegaconf import OmegaConf

        if OmegaConf.is_config(node):
            return OmegaConf.to_container(node, resolve=True)  # type: ignore[return-value]
    except ImportError:  # pragma: no cover - omegaconf ships with hydra-core
        pass
    return dict(node)
