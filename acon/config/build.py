"""The one way a config node becomes an object.

Every buildable thing (an environment, a compression strategy, an optimizer method, a
rollout backend) has a typed schema whose `_target_` names its class; the class is
called with the schema's instance (validated, with its defaults) and the run's services:

    env = build(cfg.env, services)              # environments.qa.env.QAEnv(config, services)
    history = build(cfg.compression.history, services)
"""

from __future__ import annotations

from typing import Any

from hydra.utils import get_class
from omegaconf import OmegaConf

from acon.errors import AconError


def typed(node: Any) -> Any:
    """The node as its schema's dataclass instance (a plain object passes through)."""
    if OmegaConf.is_config(node):
        return OmegaConf.to_object(node)
    return node


def build(node: Any, services: Any = None) -> Any:
    """`node._target_`'s class, called with the typed node and `services`; None for a
    node whose `_target_` is null (an option that builds nothing, e.g. no compression)."""
    config = typed(node)
    if getattr(config, "_target_", "") is None:
        return None
    target = getattr(config, "_target_", None)
    if not target:
        raise AconError(
            f"{type(config).__name__} names no class to build (_target_): choose an option "
            f"of its config group (conf/<group>/<option>.yaml)."
        )
    try:
        cls = get_class(target)
    except Exception as exc:  # noqa: BLE001 - Hydra wraps import errors in its own types
        raise AconError(f"Cannot import {target!r} (_target_): {exc}") from exc
    return cls(config, services)
