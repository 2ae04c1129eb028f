"""Rollouts read back from the MLflow tracking store (what acon.tracking.rollout_runs
logged; the report's default source).

`mlflow.search_runs` gives the finished rollout runs as a pandas frame (params, tags);
each run's per-task table (`tasks.json`) and per-step table (`steps.json`) come back
through `MlflowClient.load_table`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from acon.errors import AconError
from acon.tracking.rollout_runs import GUIDELINES_TABLE, STEPS_TABLE, TASKS_TABLE
from acon.tracking.store import check_reachable, mlflow_client

log = logging.getLogger(__name__)
ROLLOUTS = "tags.`acon.verb` = 'rollout' AND attributes.status = 'FINISHED'"


@contextlib.contextmanager
def _tracking_uri(uri: str) -> Iterator[None]:
    """`mlflow.search_runs` reads the process-wide URI: set it for the call only."""
    import mlflow

    before = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        # None: back to unset, so MLflow's default applies (its annotation omits None)
        mlflow.set_tracking_uri(before)  # type: ignore[arg-type]


def search_rollouts(
    uri: str, experiments: list[str] | None = None, where: str | None = None
) -> pd.DataFrame:
    """One row per finished rollout run (`params.*`, `tags.*`, `run_id`, ...), in the
    named experiments or in all of them; `where` narrows it with an MLflow filter."""
    import mlflow

    query = f"{ROLLOUTS} AND {where}" if where else ROLLOUTS
    try:
        return mlflow.search_runs(
            experiment_names=experiments or None,
            search_all_experiments=not experiments,
            filter_string=query,
            order_by=["attributes.start_time ASC"],
        )
    except mlflow.exceptions.MlflowException as exc:
        raise AconError(
            f"MLflow could not search {uri} ({exc.message}): fix report.where (an MLflow "
            f"filter, e.g. \"tags.`acon.benchmark` = 'qa'\") or report.experiments."
        ) from exc


@dataclass
class StoredRollouts:
    runs: list[dict[str, Any]]  # run_id, benchmark, run (its folder), params (flat config)
    tasks: pd.DataFrame  # every run's tasks.json, with run_id
    steps: pd.DataFrame  # every run's steps.json, with run_id
    guidelines: pd.DataFrame  # the guideline texts runs followed (guidelines.json), run_id


def read_rollouts(
    uri: str, experiments: list[str] | None = None, where: str | None = None
) -> StoredRollouts:
    """The finished rollout runs in `experiments` (null: all) matching `where`."""
    check_reachable(uri)
    with _tracking_uri(uri):  # MLflow's table loading searches through it too
        runs = search_rollouts(uri, experiments, where)
        if runs.empty:
            return StoredRollouts([], pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
        client = mlflow_client(uri)
        tasks, steps = _tables(client, runs, TASKS_TABLE), _tables(client, runs, STEPS_TABLE)
        guidelines = _tables(client, runs, GUIDELINES_TABLE, quiet=True)  # not every run
    info = [
        {
            "run_id": r["run_id"],
            "benchmark": _text(r, "tags.acon.benchmark") or "unknown",
            "run": _text(r, "tags.acon.run_dir") or r["run_id"],
            "params": _params(r),
        }
        for _, r in runs.iterrows()
    ]
    return StoredRollouts(info, tasks, steps, guidelines)


def _params(run: pd.Series) -> dict[str, str]:
    return {
        k.removeprefix("params."): v
        for k, v in run.items()
        if k.startswith("params.") and isinstance(v, str)
    }


def _text(run: pd.Series, column: str) -> str | None:
    value = run.get(column)
    return value if isinstance(value, str) and value else None  # a missing tag is NaN


def _tables(client: Any, runs: pd.DataFrame, name: str, quiet: bool = False) -> pd.DataFrame:
    """A table artifact of every run, with its `run_id`; a run without it is left out
    (with MLflow's warning, unless `quiet`)."""
    from mlflow.exceptions import MlflowException

    frames = []
    for experiment_id, group in runs.groupby("experiment_id"):
        try:
            frames.append(
                client.load_table(
                    experiment_id, name, run_ids=list(group["run_id"]), extra_columns=["run_id"]
                )
            )
        except MlflowException:
            if not quiet:
                log.warning("No run in experiment %s has %s", experiment_id, name)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
