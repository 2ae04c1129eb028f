"""Where a report's rollouts come from: the MLflow tracking store (the default; every
rollout is logged there), run folders on disk (for runs made with tracking=off), or the
per-task rows a report wrote beside its tables (to re-derive committed tables)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from acon.config.naming import benchmark_name, flatten
from acon.report.labels import method_of
from acon.report.rollouts import STEP_COLUMNS, Rollouts, combine, run_columns
from acon.run_folder import RunFolder
from acon.tracking.reader import read_rollouts
from acon.trajectory import context_per_step

ROWS, STEPS = "rows.csv", "steps.csv"


def from_rows(folder: Path) -> Rollouts:
    """The rows a report wrote into one benchmark's folder (`rows.csv`, `steps.csv`)."""
    tasks = pd.read_csv(folder / ROWS)
    steps_file = folder / STEPS
    steps = pd.read_csv(steps_file) if steps_file.exists() else pd.DataFrame(columns=STEP_COLUMNS)
    return Rollouts(tasks, steps.reindex(columns=STEP_COLUMNS))


def from_folders(roots: Iterable[str | Path]) -> Rollouts:
    """Every rollout folder (one holding results) under the given roots."""
    tasks, steps, guidelines = [], [], []
    for folder in RunFolder.find(roots):
        rows = folder.rows()
        if not rows:
            continue
        cfg = folder.config()
        frame = pd.DataFrame(rows)
        frame["benchmark"] = benchmark_name(cfg)
        frame["method"] = method_of(flatten(cfg))
        frame["run"] = str(folder.path)
        tasks.append(frame.assign(**run_columns(flatten(cfg))))
        per_step = pd.DataFrame(context_per_step(folder.trajectories))
        steps.append(per_step.assign(run=str(folder.path)).reindex(columns=STEP_COLUMNS))
        guidelines.append(pd.DataFrame(folder.guidelines_used()).assign(run=str(folder.path)))
    return combine(tasks, steps, guidelines)


def from_store(
    uri: str, experiments: list[str] | None = None, where: str | None = None
) -> Rollouts:
    """The finished rollout runs in the tracking store, labelled from their params."""
    stored = read_rollouts(uri, experiments, where)
    if not stored.runs:
        return combine([], [])
    labels = pd.DataFrame([{"run_id": r["run_id"], "benchmark": r["benchmark"],
                            "method": method_of(r["params"]), "run": r["run"],
                            **run_columns(r["params"])}
                           for r in stored.runs])  # fmt: skip
    tasks, steps, used = stored.tasks, stored.steps, stored.guidelines
    tasks = tasks.merge(labels, on="run_id").drop(columns="run_id") if len(tasks) else tasks
    steps = steps.merge(labels[["run_id", "run"]], on="run_id") if len(steps) else steps
    used = used.merge(labels[["run_id", "run"]], on="run_id") if len(used) else used
    return combine([tasks] if len(tasks) else [], [steps.reindex(columns=STEP_COLUMNS)], [used])
