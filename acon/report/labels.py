"""A rollout's row label in the tables, from its compression settings as flat config keys
(`compression.history._target_`, the guideline's name, version and store): `No
compression`, `History: FIFO`, `History: Guideline (naive)`, `History: Acon (acon-opt v3)
+ Observation: LLMLingua`, `History: Memento (background)`. The label is the strategy
class's own (`label`), except for a guideline's compression: "Acon" only for a guideline
an optimizer wrote (read from a store, `guideline.dir`), with its name and version; a
shipped one is "Guideline (<name>)". Runs logged before strategies had `_target_` are read
by their `compression.<kind>.strategy`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

NAMES = {
    "fifo": "FIFO",
    "mask": "Observation masking",
    "retrieval": "Retrieval",
    "llmlingua": "LLMLingua",
    "prompting": "Prompting",
    "guideline": "Guideline",
}
# The paper's row order within a kind; "Acon" rows come last.
ORDER = [
    "FIFO",
    "Observation masking",
    "Hybrid",
    "Retrieval",
    "LLMLingua",
    "Prompting",
    "Memento",
    "Offload",
    "Guideline",
    "Acon",
]


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
        if name == "guideline":
            label = _guideline_label(params, kind)
        if kind == "history" and _value(params, "agent.context.background") == "True":
            label += " (background)"
        parts.append(f"{kind.capitalize()}: {label}")
    method = " + ".join(parts) or "No compression"
    pads = _value(params, "agent.action_pads.source")
    return f"{method} + ActionPads" if pads and pads != "[]" else method


def _guideline_label(params: Mapping[str, Any], kind: str) -> str:
    name = _value(params, f"compression.{kind}.guideline.name") or "naive"
    if _value(params, f"compression.{kind}.guideline.dir") is None:  # shipped with the harness
        return f"Guideline ({name})"
    version = _value(params, f"compression.{kind}.guideline.version") or "latest"
    return f"Acon ({name} {'v' + version if version.isdigit() else version})"


def table_order(method: str) -> tuple:
    """The paper's row order: no compression, then each kind's baselines, Acon last."""
    ranks = ORDER
    parts = [] if method == "No compression" else method.split(" + ")
    key = []
    for part in parts:
        kind, _, label = part.partition(": ")
        label, _, threshold = label.partition(" @ ")  # a sweep's rows, by threshold
        rank = next((i for i, n in enumerate(ranks) if label.startswith(n)), len(ranks))
        key.append((kind != "History", rank, label, float(threshold or 0)))
    return (len(parts), key)
