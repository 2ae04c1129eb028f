"""Where a report's rollouts come from: the MLflow tracking store (the default; every
rollout is logged there), run folders on disk (for runs made with tracking=off), or the
per-task rows a report wrote beside its tables (to re-derive committed tables).

A run folder that cannot be read (a corrupt config, results that are not a file) is
skipped with one warning naming it; the report goes on with the rest. Each run carries its
config (`configs` of `combine`): the reuse key's identity from its `fingerprint.json`
(acon.rollout.store.identity), else its flat config; runs with one label but different
configs become distinct rows (acon.report.rollouts.by_config).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from acon.compression.labels import method_of
from acon.config.naming import benchmark_name, flatten
from acon.errors import AconError
from acon.report.rollouts import (
    STEP_COLUMNS,
    Rollouts,
    combine,
    config_of_fingerprint,
    config_of_params,
    run_columns,
)
from acon.run_folder import RunFolder
from acon.tracking.reader import read_rollouts
from acon.trajectory import context_per_step

ROWS, STEPS = "rows.csv", "steps.csv"
log = logging.getLogger(__name__)


def from_rows(folder: Path) -> Rollouts:
    """The rows a report wrote into one benchmark's folder (`rows.csv`, `steps.csv`)."""
    tasks = pd.read_csv(folder / ROWS)
    steps_file = folder / STEPS
    steps = pd.read_csv(steps_file) if steps_file.exists() else pd.DataFrame(columns=STEP_COLUMNS)
    return Rollouts(tasks, steps.reindex(columns=STEP_COLUMNS))


def from_folders(roots: Iterable[str | Path]) -> Rollouts:
    """Every rollout folder (one holding results) under the given roots; one that cannot
    be read is skipped with a warning naming it and why."""
    tasks, steps, guidelines, configs = [], [], [], {}
    for folder in RunFolder.find(roots):
        try:
            read = _read_folder(folder)
        except UNREADABLE as exc:
            log.warning(
                "Skipped the run folder %s: %s (fix or remove it; the report leaves it out).",
                folder.path,
                _why(exc),
            )
            continue
        if read is None:
            continue
        frame, used, configs[str(folder.path)] = read
        tasks.append(frame)
        steps.append(_steps(folder))
        guidelines.append(used)
    return combine(tasks, steps, guidelines, configs)


# what a folder that cannot be read raises: file errors, bad JSON/YAML, a config that is
# not a mapping (AttributeError, TypeError from its .get)
UNREADABLE = (OSError, ValueError, yaml.YAMLError, AconError, AttributeError, TypeError)


def _read_folder(folder: RunFolder) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]] | None:
    """A folder's rows labelled from its config, its guidelines and its config identity;
    None when it has no rows."""
    rows = _reading("results.jsonl", folder.rows)
    if not rows:
        return None
    cfg = _reading("its config", folder.config)
    if not cfg:
        raise AconError("it has no config (.hydra/config.yaml or config.json)")
    if not isinstance(cfg, dict):
        raise AconError("its config is not a mapping")
    flat = flatten(cfg)
    frame = pd.DataFrame(rows)
    frame["benchmark"] = benchmark_name(cfg)
    frame["method"] = method_of(flat)
    frame["run"] = str(folder.path)
    used = _reading("guidelines.json", lambda: pd.DataFrame(folder.guidelines_used()))
    record = _reading("fingerprint.json", folder.fingerprint)
    config = config_of_fingerprint(record) if record else config_of_params(flat)
    return frame.assign(**run_columns(flat)), used.assign(run=str(folder.path)), config


def _reading(what: str, read: Callable[[], Any]) -> Any:
    try:
        return read()
    except UNREADABLE as exc:
        raise AconError(f"{what}: {_why(exc)}") from exc


def _steps(folder: RunFolder) -> pd.DataFrame:
    """The folder's context per step; a torn trajectory loses the curve, not the rows."""
    try:
        per_step = pd.DataFrame(context_per_step(folder.trajectories))
    except (OSError, ValueError, KeyError) as exc:
        log.warning(
            "Left the context-per-step curve of %s out of the report: %s.", folder.path, _why(exc)
        )
        per_step = pd.DataFrame()
    return per_step.assign(run=str(folder.path)).reindex(columns=STEP_COLUMNS)


def _why(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg}, line {exc.lineno})"
    if isinstance(exc, yaml.YAMLError):
        return "not YAML"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc)
    return str(exc)


def from_store(
    uri: str, experiments: list[str] | None = None, where: str | None = None
) -> Rollouts:
    """The finished rollout runs in the tracking store, labelled from their params."""
    stored = read_rollouts(uri, experiments, where)
    if not stored.runs:
        return combine([], [])
    labels = pd.DataFrame(
        [
            {
                "run_id": r["run_id"],
                "benchmark": r["benchmark"],
                "method": method_of(r["params"]),
                "run": r["run"],
                **run_columns(r["params"]),
            }
            for r in stored.runs
        ]
    )
    configs = {r["run"]: config_of_params(r["params"]) for r in stored.runs}
    tasks, steps, used = stored.tasks, stored.steps, stored.guidelines
    tasks = tasks.merge(labels, on="run_id").drop(columns="run_id") if len(tasks) else tasks
    steps = steps.merge(labels[["run_id", "run"]], on="run_id") if len(steps) else steps
    used = used.merge(labels[["run_id", "run"]], on="run_id") if len(used) else used
    return combine(
        [tasks] if len(tasks) else [], [steps.reindex(columns=STEP_COLUMNS)], [used], configs
    )
