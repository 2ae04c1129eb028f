"""What a report is built from, whichever the source: every task of every rollout, and
the agent's context at every step.

Sources (acon.report.sources): the MLflow tracking store (the default) and run folders on
disk (for tracking=off).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from acon.metrics import upgraded
from acon.trajectory import CONTEXT_FIELDS

STEP_COLUMNS = ["run", *CONTEXT_FIELDS]
# a rollout's compression triggers (agent.context), by the kind they trigger
THRESHOLDS = {"History": "history_threshold", "Observation": "observation_threshold"}


@dataclass
class Rollouts:
    tasks: pd.DataFrame  # a row per task: results.jsonl's columns + benchmark, method, run
    steps: pd.DataFrame  # a row per agent call: run, task_id, step, in_tokens
    # a row per run and compression kind that followed a guideline: run, kind, name,
    # version, text_sha, text
    guidelines: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def empty(self) -> bool:
        return self.tasks.empty


def run_columns(params: Mapping[str, Any]) -> dict[str, Any]:
    """What a run's every row carries from its flat config keys: its seed (a repeat's own,
    `rollout.seeds`) and its thresholds."""
    seed = params.get("llm.common.seed")
    return {"seed": None if seed in (None, "None", "null", "") else int(seed), **thresholds(params)}


def thresholds(params: Mapping[str, Any]) -> dict[str, float]:
    """A run's history and observation thresholds, from its flat config keys."""
    out = {}
    for kind, column in THRESHOLDS.items():
        value = params.get(f"agent.context.{kind.lower()}_threshold_tokens")
        out[column] = float(value) if value not in (None, "None", "null", "") else float("nan")
    return out


def combine(tasks: list[pd.DataFrame], steps: list[pd.DataFrame],
            guidelines: list[pd.DataFrame] = ()) -> Rollouts:  # fmt: skip
    frame = pd.concat([upgraded(t) for t in tasks], ignore_index=True) if tasks else pd.DataFrame()
    used = [g for g in guidelines if len(g)]
    return Rollouts(
        by_threshold(frame),
        pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(columns=STEP_COLUMNS),
        pd.concat(used, ignore_index=True) if used else pd.DataFrame(),
    )


def by_threshold(tasks: pd.DataFrame) -> pd.DataFrame:
    """A method run at several thresholds of the kind it compresses (a sweep, the paper's
    Figure 6) is one row per threshold: `History: Prompting @ 2048`. Its label
    without the threshold stays in `strategy`."""
    if tasks.empty:
        return tasks
    tasks = tasks.assign(strategy=tasks["method"])
    for column in THRESHOLDS.values():
        if column not in tasks:
            tasks[column] = float("nan")
    for (_, method), part in tasks.groupby(["benchmark", "method"], sort=False):
        for kind, column in THRESHOLDS.items():
            if f"{kind}:" in method and part[column].nunique() > 1:
                tasks.loc[part.index, "method"] = [
                    f"{m} @ {t:g}" for m, t in zip(part["method"], part[column], strict=True)
                ]
                break
    return tasks
