"""A rollout's row label in the tables, from its compression settings as flat config keys
(`compression.history.strategy`, ...): `No compression`, `History: FIFO`,
`History: Acon (acon-opt v3)`, `History: Acon + Observation: LLMLingua`."""

from __future__ import annotations

from collections.abc import Mapping
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


def method_of(params: Mapping[str, Any]) -> str:
    parts = []
    for kind in ("history", "observation"):
        strategy = _value(params, f"compression.{kind}.strategy") or "none"
        if strategy == "none":
            continue
        label = NAMES.get(strategy, strategy)
        name = _value(params, f"compression.{kind}.guideline.name")
        if strategy == "guideline" and name not in (None, "acon"):
            version = _value(params, f"compression.{kind}.guideline.version") or "latest"
            label += f" ({name} {'v' + version if version.isdigit() else version})"
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
