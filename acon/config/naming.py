"""Reading a composed config: flattened keys (MLflow params, labels) and the benchmark it
runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omegaconf import OmegaConf

# The resolved config as a run records it (its config.yaml, a RolloutSpec's `config`), or
# the composed config itself (a DictConfig is a Mapping too): what code that only reads
# settings by name (tracking, labels, the benchmark's name) takes.
ConfigRecord = Mapping[str, Any]


def to_plain(node: Any) -> Any:
    """A config node as plain data (resolved); anything else as it is."""
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` -> `{"a.b": 1}`; lists stay whole."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def benchmark_name(cfg: ConfigRecord) -> str:
    """The benchmark a config runs: its environment's package under `environments/`
    (`environments.qa.env.QAEnv` -> `qa`), or `env.name` where an environment sets one."""
    env = cfg.get("env") or {}
    if env.get("name"):
        return str(env.get("name"))
    parts = str(env.get("_target_") or "").split(".")
    if len(parts) >= 3 and parts[0] == "environments":
        return parts[1]
    cls = parts[-1] if parts and parts[-1] else "unknown"
    return cls.removesuffix("Env").lower() or cls.lower()
