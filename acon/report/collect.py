"""Gather finished rollouts into pandas frames: one row per task, labelled by method.

A rollout folder holds `results.jsonl` and `.hydra/config.yaml` (or, for optimizer
rollouts, `config.json`); the method label comes from its compression settings, e.g.
`No compression`, `History: FIFO`, `History: Acon (acon-opt v3)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from acon.trajectory import read_events

NAMES = {
    "fifo": "FIFO",
    "retrieval": "Retrieval",
    "llmlingua": "LLMLingua",
    "prompting": "Prompting",
    "guideline": "Acon",
}


def find_runs(roots: Iterable[str | Path]) -> list[Path]:
    """Every rollout folder (one holding results.jsonl) under the given roots."""
    found = set()
    for root in roots:
        for results in Path(root).rglob("results.jsonl"):
            found.add(results.parent)
    return sorted(found)


def run_config(folder: Path) -> dict[str, Any]:
    hydra_cfg = folder / ".hydra" / "config.yaml"
    if hydra_cfg.exists():
        return yaml.safe_load(hydra_cfg.read_text())
    plain = folder / "config.json"
    return json.loads(plain.read_text()) if plain.exists() else {}


def benchmark_of(cfg: dict[str, Any]) -> str:
    target = (cfg.get("env") or {}).get("_target_", "unknown.unknown")
    return target.split(".")[-2] if "." in target else target


def method_of(cfg: dict[str, Any]) -> str:
    parts = []
    for kind in ("history", "observation"):
        params = (cfg.get("compression") or {}).get(kind) or {}
        strategy = params.get("strategy", "none")
        if strategy == "none":
            continue
        label = NAMES.get(strategy, strategy)
        guideline = params.get("guideline") or {}
        if strategy == "guideline" and guideline.get("name") not in (None, "acon"):
            label += f" ({guideline['name']} v{guideline.get('version', 'latest')})"
        parts.append(f"{kind.capitalize()}: {label}")
    return " + ".join(parts) or "No compression"


def task_rows(folders: Iterable[Path]) -> pd.DataFrame:
    frames = []
    for folder in folders:
        cfg = run_config(folder)
        rows = [json.loads(line) for line in (folder / "results.jsonl").open() if line.strip()]
        if not rows:
            continue
        frame = pd.DataFrame(rows)
        frame["benchmark"] = benchmark_of(cfg)
        frame["method"] = method_of(cfg)
        frame["run"] = str(folder)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def context_per_step(folder: Path) -> pd.DataFrame:
    """Agent input tokens at every step of every task of a rollout."""
    rows = []
    for path in sorted((folder / "trajectories").glob("*.jsonl")):
        for event in read_events(path):
            if event["event"] == "agent_call":
                rows.append({"task_id": path.stem, "step": event["step"],
                             "in_tokens": event["in_tokens"]})  # fmt: skip
    return pd.DataFrame(rows, columns=["task_id", "step", "in_tokens"])
