"""Hydra configuration: schema registration and composition outside `@hydra.main`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from acon.llm.config import LLMConfig
from acon.paths import CONF_DIR, REPO_ROOT


def register_schemas() -> None:
    """Make `llm/schema` available, so every `llm/*.yaml` is typed by `LLMConfig`, and
    `${acon_repo:}` (the repository's root, for paths relative to it)."""
    ConfigStore.instance().store(group="llm", name="schema", node=LLMConfig)
    if not OmegaConf.has_resolver("acon_repo"):
        OmegaConf.register_new_resolver("acon_repo", lambda: str(REPO_ROOT))


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The same config `@hydra.main` would build, for tools, tests and notebooks."""
    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return hydra_compose(config_name=config_name, overrides=list(overrides))


def to_plain(cfg: Any) -> Any:
    return OmegaConf.to_container(cfg, resolve=True)


register_schemas()
