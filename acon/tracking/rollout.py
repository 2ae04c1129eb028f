"""A finished rollout as one MLflow run, read from its run folder.

Params: the resolved config, flattened (`compression.history.threshold_tokens`, ...).
Metrics: the summary's `all` row (`score`, `steps`, `peak_tokens_k`, `dependency_m`,
`compressor_calls`, ...), one set per difficulty (`level_2/score`, ...) and LLM usage per
role (`usage/agent/cost_usd`, ...). Artifacts: the per-task table (`tasks.json`, shown in
the UI, and `results.jsonl`), the agent's input per step (`steps.json`, for the
report's Figure 2), `summary.md`/`summary.csv`, `trajectories/`, the resolved
config (`config/resolved.yaml`) and Hydra's `.hydra/` folder.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from acon.metrics import summarize
from acon.tracking.params import config_params, plain_config
from acon.tracking.settings import benchmark_name, settings
from acon.tracking.store import log_metrics, open_run
from acon.tracking.usage import usage_by_role, usage_metrics
from acon.trajectory import CONTEXT_FIELDS, context_per_step

log = logging.getLogger(__name__)
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


def read_rows(run_dir: Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / "results.jsonl"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def log_rollout(cfg: Any, run_dir: Path) -> str | None:
    """Log the rollout in `run_dir` to the configured store; the run's id, or None when
    tracking is off."""
    s = settings(cfg)
    if s is None:
        return None
    run_dir = Path(run_dir)
    client, run_id = open_run(
        s, run_dir, verb="rollout", params=config_params(cfg),
        tags={"acon.benchmark": benchmark_name(cfg)},
    )  # fmt: skip
    try:
        rows = read_rows(run_dir)
        metrics = summary_metrics(summarize(rows)) if rows else {}
        metrics.update(usage_metrics(usage_by_role(run_dir / "llm_calls.jsonl")))
        log_metrics(client, run_id, metrics)
        if rows:
            client.log_table(run_id, data=pd.DataFrame(rows), artifact_file="tasks.json")
            steps = context_per_step(run_dir / "trajectories")
            client.log_table(run_id, data=pd.DataFrame(steps, columns=CONTEXT_FIELDS),
                             artifact_file="steps.json")  # fmt: skip
        log_folder_files(client, run_id, run_dir, cfg)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    log.info("MLflow: run %s in experiment %s (%s)", run_id, s.experiment, s.uri)
    return run_id


def log_folder_files(client: Any, run_id: str, run_dir: Path, cfg: Any) -> None:
    """The run folder's record files, the resolved config and Hydra's own folder."""
    for name in ("results.jsonl", "summary.md", "summary.csv", "llm_calls.jsonl",
                 "optimizer_report.json", "optimizer_state.json"):  # fmt: skip
        if (run_dir / name).is_file():
            client.log_artifact(run_id, str(run_dir / name))
    for folder, target in (("trajectories", "trajectories"), (".hydra", "hydra")):
        if (run_dir / folder).is_dir():
            client.log_artifacts(run_id, str(run_dir / folder), artifact_path=target)
    client.log_dict(run_id, plain_config(cfg), "config/resolved.yaml")
