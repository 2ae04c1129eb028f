"""Rollouts read from run folders: each holds `results.jsonl`, `trajectories/` and its
config (`.hydra/config.yaml`, or `config.json` for the main job's and optimizer's
rollouts). The source for runs made with tracking=off."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from acon.report.labels import method_of
from acon.report.rollouts import STEP_COLUMNS, Rollouts, combine
from acon.tracking.params import flatten
from acon.tracking.rollout import read_rows
from acon.tracking.settings import benchmark_name
from acon.trajectory import context_per_step


def find_runs(roots: Iterable[str | Path]) -> list[Path]:
    """Every rollout folder (one holding results.jsonl) under the given roots."""
    return sorted({p.parent for root in roots for p in Path(root).rglob("results.jsonl")})


def run_config(folder: Path) -> dict[str, Any]:
    hydra_cfg = folder / ".hydra" / "config.yaml"
    if hydra_cfg.exists():
        return yaml.safe_load(hydra_cfg.read_text())
    plain = folder / "config.json"
    return json.loads(plain.read_text()) if plain.exists() else {}


def from_folders(roots: Iterable[str | Path]) -> Rollouts:
    tasks, steps = [], []
    for folder in find_runs(roots):
        rows = read_rows(folder)
        if not rows:
            continue
        cfg = run_config(folder)
        frame = pd.DataFrame(rows)
        frame["benchmark"] = benchmark_name(cfg)
        frame["method"] = method_of(flatten(cfg))
        frame["run"] = str(folder)
        tasks.append(frame)
        per_step = pd.DataFrame(context_per_step(folder / "trajectories"))
        steps.append(per_step.assign(run=str(folder)).reindex(columns=STEP_COLUMNS))
    return combine(tasks, steps)
