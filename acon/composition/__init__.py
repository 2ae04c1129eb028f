"""The root config composed and checked: the same config `acon-rollout` builds, each node
typed by its schema and every value checked, for the commands and outside them (tools,
tests, notebooks). It imports every subsystem's schema, so it sits above them all: no
subsystem imports it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from acon.composition.root import RootConfig
from acon.config.build import typed
from acon.config.explain import explain
from acon.config.schemas import InvalidSetting, discover
from acon.errors import AconError
from acon.llm.config import LLMConfig
from acon.paths import CONF_DIR, project_dir


def register_schemas() -> None:
    """Make every schema known to Hydra (the root's, `llm/schema`, and each plugin's) and
    `${acon_project:}` (the working directory, where runs and results go: acon.paths)."""
    if not OmegaConf.has_resolver("acon_project"):
        OmegaConf.register_new_resolver("acon_project", lambda: str(project_dir()))
    store = ConfigStore.instance()
    store.store(name="acon_schema", node=RootConfig)
    store.store(group="llm", name="schema", node=LLMConfig)
    discover()


def compose(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """The same config `acon-rollout` would build, checked: for tools, tests and notebooks."""
    register_schemas()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = hydra_compose(config_name=config_name, overrides=list(overrides))
    except Exception as exc:
        message = explain(exc)
        if message is None or isinstance(exc, AconError):
            raise
        raise AconError(message) from exc
    validate(cfg)
    return cfg


def validate(cfg: DictConfig) -> None:
    """Every value set, and every node's schema checks pass; else one AconError that names
    the key and what it accepts."""
    for key in map(str, cfg):
        if key == "hydra":
            continue
        missing = sorted(OmegaConf.missing_keys(cfg[key])) if OmegaConf.is_config(cfg[key]) else []
        if missing:
            name = f"{key}.{missing[0]}"
            raise AconError(f"{name} has no value: set it on the command line ({name}=...).")
        try:
            typed(cfg[key])
        except InvalidSetting as exc:
            raise AconError(f"{_where(cfg, key, exc)} is not valid: {exc.accepts}.") from None
    unset = {
        k: what
        for k, what in (cfg.get("requires") or {}).items()
        if OmegaConf.select(cfg, k) in (None, "")
    }
    if unset:
        needs = "; ".join(f"{k} ({what})" for k, what in unset.items())
        example = " ".join(f"{k}=..." for k in unset)
        raise AconError(
            f"This configuration needs values only you can supply: {needs}; add "
            f"{example} to the command."
        )


def _where(cfg: DictConfig, key: str, exc: InvalidSetting) -> str:
    """The full key of the failing field (the first node below `key` that has it)."""
    for path in _paths(cfg[key], key):
        node = OmegaConf.select(cfg, path)
        if OmegaConf.is_dict(node) and exc.field in node:
            return f"{path}.{exc.field}={exc.value!r}"
    return f"{key}.{exc.field}={exc.value!r}"


def _paths(node: Any, prefix: str) -> list[str]:
    out = [prefix]
    if OmegaConf.is_dict(node):
        for name in node:
            out += _paths(node._get_node(name), f"{prefix}.{name}")
    return out


class ValidateConfig(Callback):
    """Checks the composed config before Hydra makes the run folder (conf/config.yaml).
    Hydra turns a callback's exception into a warning and runs on, so a bad value ends
    the process here: one sentence, exit code 2 (SystemExit passes Hydra's handler)."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _validate_or_exit(config)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _validate_or_exit(config)


def _validate_or_exit(config: DictConfig) -> None:
    try:
        validate(config)
    except AconError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
