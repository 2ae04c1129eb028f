"""A run's configuration as MLflow params: flattened, secrets masked, within MLflow's limits."""

from __future__ import annotations

import json
from typing import Any

from omegaconf import OmegaConf

from acon.config.naming import ConfigRecord, flatten, to_plain
from acon.secrets import redact_mapping, secret_values

MAX_VALUE = 6000  # MLflow's limit on a param value
MAX_KEY = 250  # and on a key
_CUT = " ...[truncated]"


def plain_config(cfg: ConfigRecord) -> dict[str, Any]:
    """The resolved config with secret-named fields and key values masked."""
    data: dict[str, Any] = to_plain(cfg) if OmegaConf.is_config(cfg) else dict(cfg)
    data.pop("hydra", None)
    return redact_mapping(data, secret_values(cfg.get("llm")))


def param_value(value: Any) -> str:
    if isinstance(value, list | tuple | dict):
        text = json.dumps(value, default=str)
    else:
        text = "null" if value is None else str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - len(_CUT)] + _CUT


def config_params(cfg: ConfigRecord) -> dict[str, str]:
    """Every config value as a param (`llm.agent.model`, `compression.history.mode`, ...)."""
    flat = flatten(plain_config(cfg))
    return {k[:MAX_KEY]: param_value(v) for k, v in sorted(flat.items())}
