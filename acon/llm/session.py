"""One run's LLM layer: a client per role, the local servers they need, one ledger.

    with LLMSession(ModelSettings.of(cfg), run_dir) as llms:
        reply = llms.client("agent").chat(messages)
        llms.ledger.summary()

Local servers start lazily, one per distinct `local://` model, and stop when the
session closes.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from acon.llm.cache import ResponseCache
from acon.llm.client import LLMClient
from acon.llm.config import ROLES, LLMConfig, RoleConfig, ServerConfig, resolve_role
from acon.llm.llama_server import LlamaServer
from acon.llm.models import LocalModelConfig, find_binary, identity, served_files
from acon.llm.pricing import PriceTable, PricingConfig
from acon.llm.usage import UsageLedger

if TYPE_CHECKING:
    from omegaconf import DictConfig


@dataclass(frozen=True)
class ModelSettings:
    """What an LLM session needs of the config, typed: the roles, their prices, the local
    models and where their files are."""

    llm: LLMConfig = field(default_factory=LLMConfig)
    pricing: PricingConfig = field(default_factory=PricingConfig)
    local_models: dict[str, LocalModelConfig] = field(default_factory=dict)
    models_dir: str = ""

    @classmethod
    def of(cls, cfg: DictConfig) -> ModelSettings:
        """From a composed config (its `llm`, `pricing`, `local_models`, `paths`)."""
        from acon.config.build import typed

        return cls(
            typed(cfg.llm),
            typed(cfg.pricing),
            dict(typed(cfg.local_models)),
            str(cfg.paths.models_dir),
        )


class LLMSession(contextlib.AbstractContextManager["LLMSession"]):
    def __init__(self, settings: ModelSettings, run_dir: str | Path):
        self.settings = settings
        self.run_dir = Path(run_dir)
        self.ledger = UsageLedger(log_path=self.run_dir / "llm_calls.jsonl")
        self.prices = PriceTable.from_config(settings.pricing)
        cache_cfg = settings.llm.cache
        self.cache = ResponseCache(cache_cfg.dir) if cache_cfg.enabled else None
        self.servers: dict[str, LlamaServer] = {}
        self._clients: dict[str, LLMClient] = {}
        self._lock = threading.RLock()  # local_server() starts servers under it

    def role_config(self, role: str) -> RoleConfig:
        return resolve_role(self.settings.llm, role)

    def client(self, role: str) -> LLMClient:
        """The client for `role` (agent, compressor, optimizer, judge), made once."""
        with self._lock:
            if role not in self._clients:
                config = self.role_config(role)
                url: str | Callable[[], str] = config.base_url
                cached_as = None
                if name := config.local_model:
                    url = functools.partial(self._local_url, name)  # at the first cache miss
                    if "+" in (ident := self.local_identity(name)):
                        # an adapter: retraining under the same name must not hit old answers
                        cached_as = f"{config.base_url}@{ident[:16]}"
                self._clients[role] = LLMClient(
                    role,
                    config,
                    ledger=self.ledger,
                    prices=self.prices,
                    cache=self.cache,
                    base_url=url,
                    cache_endpoint=cached_as,
                )
            return self._clients[role]

    def _local_url(self, name: str) -> str:
        return self.local_server(name).base_url

    def local_identity(self, name: str) -> str:
        """The sha256 (an adapter's, then its base's) behind local model `name`."""
        return identity(self.settings.local_models, name, self.settings.models_dir)

    def with_settings(self, settings: ModelSettings) -> LLMSession:
        """A view of this session whose roles read `settings` (e.g. another seed), over the
        same servers, ledger and cache; only this session closes them."""
        view = copy.copy(self)
        view.settings, view._clients = settings, {}
        return view

    def clients(self) -> dict[str, LLMClient]:
        return {role: self.client(role) for role in ROLES}

    def local_server(
        self, name: str, config: ServerConfig | None = None, purpose: str = ""
    ) -> LlamaServer:
        """The running llama.cpp server for local model `name`, started on first use.
        A `purpose` (e.g. "lingua") gets a server of its own with its own `config`."""
        key = f"{name}+{purpose}" if purpose else name
        with self._lock:
            if key not in self.servers:
                model_path, adapter = served_files(
                    self.settings.local_models, name, self.settings.models_dir
                )
                server_cfg = config or self.settings.llm.server
                suffix = f"-{purpose}" if purpose else ""
                server = LlamaServer(
                    find_binary(server_cfg.binary),
                    model_path,
                    alias=name,
                    config=server_cfg,
                    log_path=self.run_dir / f"llama-server-{name}{suffix}.log",
                    lora=adapter,
                )
                server.start()
                self.servers[key] = server
            return self.servers[key]

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()
        self.ledger.close()
        if self.cache is not None:
            self.cache.close()

    def __exit__(self, *exc: object) -> None:
        self.close()
