"""A rollout's row label in the tables, from its compression settings as flat config keys
(`compression.history._target_`, the guideline's name and version): `No compression`,
`History: FIFO`, `History: Acon (acon-opt v3)`, `History: Acon + Observation: LLMLingua`.
The label is the strategy class's own (`label`); runs logged before strategies had
`_target_` are read by their `compression.<kind>.strategy`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

NAMES = {
    "fifo": "FIFO",
    "retrieval": "Retrieval",
    "llmlingua": "LLMLingua",
    "prompting": "Prompting",
    "guideline": "Acon",
}


def _value(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    # MLflow params are strings: a None in the config was logged as "null"
    return None if value is None or str(value) in ("null", "None", "") else str(value)


@lru_cache(maxsize=64)
def _strategy_of(target: str) -> tuple[str, str]:
    """(name, label) of a strategy class, or of its class name when it cannot be imported."""
    from hydra.utils import get_class

    try:
        cls = get_class(target)
    except Exception:  # noqa: BLE001 - a class gone since the run: its name still says
        name = target.rsplit(".", 1)[-1]
        return name, name
    return getattr(cls, "name", cls.__name__), getattr(cls, "label", cls.__name__)


def _strategy(params: Mapping[str, Any], kind: str) -> tuple[str, str] | None:
    target = _value(params, f"compression.{kind}._target_")
    if target is not None:
        return _strategy_of(target)
    old = _value(params, f"compression.{kind}.strategy")
    if old is None or old == "none":
        return None
    return old, NAMES.get(old, old)


def method_of(params: Mapping[str, Any]) -> str:
    parts = []
    for kind in ("history", "observation"):
        strategy = _strategy(params, kind)
        if strategy is None:
            continue
        name, label = strategy
        guideline = _value(params, f"compression.{kind}.guideline.name")
        if name == "guideline" and guideline not in (None, "acon"):
            version = _value(params, f"compression.{kind}.guideline.version") or "latest"
            label += f" ({guideline} {'v' + version if version.isdigit() else version})"
        parts.append(f"{kind.capitalize()}: {label}")
    return " + ".join(parts) or "No compression"


def table_order(method: str) -> tuple:
    """The paper's row order: no compression, then each kind's baselines, Acon last."""
    ranks = list(NAMES.values())
    parts = [] if method == "No compression" else method.split(" + ")
    key = []
    for part in parts:
        kind, _, label = part.partition(": ")
        rank = next((i for i, n in enumerate(ranks) if label.startswith(n)), len(ranks))
        key.append((kind != "History", rank, label))
    return (len(parts), key)
