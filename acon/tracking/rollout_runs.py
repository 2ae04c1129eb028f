"""A rollout as one MLflow run: live while it runs (`LiveRollout`), then everything read
from its run folder (`log_rollout`).

Live: the run exists from the rollout's start and gets each task's metrics as it finishes
(`task/score`, `task/steps`, `task/peak_tokens`, `task/errored`, and the running mean
`running/score` over the folder's finished tasks), at step = the task's index; a resumed
rollout continues the same run.

Params: the resolved config, flattened (`agent.context.history_threshold_tokens`, ...).
Metrics: the summary's `all` row over finished tasks (`score`, `steps`, `peak_tokens_k`,
`dependency_m`, `compressor_calls`, ..., and `errored`, the tasks left out), one set per
difficulty (`level_2/score`, ...) and LLM usage per role (`usage/agent/cost_usd`, ...).
Artifacts: the per-task table (`tasks.json`, every task's latest attempt with its
status, shown in the UI, and `results.jsonl`), the agent's input per step (`steps.json`,
for the report's Figure 2), the guideline texts followed (`guidelines.json`),
`summary.md`/`summary.csv`, `trajectories/`, the resolved config (`config/resolved.yaml`)
and Hydra's `.hydra/` folder.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

import pandas as pd

from acon.config.naming import ConfigRecord, benchmark_name
from acon.metrics import summarize
from acon.run_folder import RunFolder
from acon.tracking.params import config_params, plain_config
from acon.tracking.settings import settings
from acon.tracking.store import log_metrics, open_run
from acon.tracking.usage import usage_by_role, usage_metrics
from acon.trajectory import CONTEXT_FIELDS, ERRORED, context_per_step

log = logging.getLogger(__name__)
# read back by acon.tracking.reader
TASKS_TABLE, STEPS_TABLE, GUIDELINES_TABLE = "tasks.json", "steps.json", "guidelines.json"
_METRIC_NAME = re.compile(r"[^\w\-./: ]")


def metric_name(name: str) -> str:
    return _METRIC_NAME.sub("_", str(name)).replace(" ", "_")


def summary_metrics(table: pd.DataFrame) -> dict[str, float]:
    """The `all` row as plain names, every other row (a difficulty level) as a prefix."""
    metrics = {}
    for row_name, row in table.iterrows():
        prefix = "" if row_name == "all" else f"{metric_name(row_name)}/"
        for column, value in row.items():
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                metrics[f"{prefix}{metric_name(column)}"] = float(value)
    return metrics


class LiveRollout:
    """`with LiveRollout(spec.config, folder) as live: rollout(spec, folder, llms,
    on_row=live.task)`:
    the run from the start, per-task metrics, then `log_rollout` at a clean exit; an
    exception marks the run FAILED (KILLED on Ctrl-C), and a rerun continues it."""

    def __init__(self, cfg: ConfigRecord, folder: RunFolder):
        self.cfg, self.folder = cfg, folder
        self.client: Any = None
        self.run_id: str | None = None
        self.live = True  # off after a failed metrics call: the rollout goes on

    def __enter__(self) -> LiveRollout:
        s = settings(self.cfg)
        if s is not None:
            self.client, self.run_id = open_run(
                s,
                self.folder.path,
                verb="rollout",
                params=config_params(self.cfg),
                tags={"acon.benchmark": benchmark_name(self.cfg)},
            )
        return self

    def task(self, index: int, row: dict[str, Any]) -> None:
        if self.run_id is None or not self.live:
            return
        if row["status"] == ERRORED:
            metrics = {"task/errored": 1.0}
        else:
            metrics = {
                "task/errored": 0.0,
                "task/score": float(row["score"]),
                "task/steps": float(row["steps"]),
                "task/peak_tokens": float(row["peak_tokens"]),
            }
        scores = [float(r["score"]) for r in _latest(self.folder.rows()) if r["status"] != ERRORED]
        if scores:
            metrics["running/score"] = sum(scores) / len(scores)
            metrics["running/tasks"] = float(len(scores))
        try:
            log_metrics(self.client, self.run_id, metrics, step=index)
        except Exception as exc:  # the rollout goes on; log_rollout reports a lost store
            log.warning("MLflow: live metrics stopped (%s: %s)", type(exc).__name__, exc)
            self.live = False

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if self.run_id is None:
            return
        if kind is None:
            log_rollout(self.cfg, self.folder)
        else:
            status = "KILLED" if issubclass(kind, KeyboardInterrupt) else "FAILED"
            self.client.set_terminated(self.run_id, status=status)


def _latest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({r["task_id"]: r for r in rows}.values())


def log_rollout(cfg: ConfigRecord, folder: RunFolder) -> str | None:
    """Log the rollout in `folder` to the configured store; the run's id, or None when
    tracking is off."""
    s = settings(cfg)
    if s is None:
        return None
    client, run_id = open_run(
        s,
        folder.path,
        verb="rollout",
        params=config_params(cfg),
        tags={"acon.benchmark": benchmark_name(cfg)},
    )
    try:
        rows = folder.rows()
        metrics = summary_metrics(summarize(rows)) if rows else {}
        metrics.update(usage_metrics(usage_by_role(*folder.call_logs())))
        log_metrics(client, run_id, metrics)
        if rows:
            client.log_table(run_id, data=pd.DataFrame(rows), artifact_file=TASKS_TABLE)
            steps = context_per_step(folder.trajectories)
            client.log_table(
                run_id, data=pd.DataFrame(steps, columns=CONTEXT_FIELDS), artifact_file=STEPS_TABLE
            )
        if used := folder.guidelines_used():
            client.log_table(run_id, data=pd.DataFrame(used), artifact_file=GUIDELINES_TABLE)
        log_folder_files(client, run_id, folder, cfg)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    log.info("MLflow: run %s in experiment %s (%s)", run_id, s.experiment, s.uri)
    return run_id


def log_folder_files(client: Any, run_id: str, folder: RunFolder, cfg: ConfigRecord) -> None:
    """The run folder's record files, the resolved config and Hydra's own folder."""
    for path in folder.record_files():
        client.log_artifact(run_id, str(path))
    for path, target in ((folder.trajectories, "trajectories"), (folder.hydra_dir, "hydra")):
        if path.is_dir():
            client.log_artifacts(run_id, str(path), artifact_path=target)
    client.log_dict(run_id, plain_config(cfg), "config/resolved.yaml")
