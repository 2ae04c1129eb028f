"""What a report is built from, whichever the source: every task of every rollout, and
the agent's context at every step.

Sources (acon.report.sources): the MLflow tracking store (the default) and run folders on
disk (for tracking=off).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from acon.metrics import upgraded
from acon.trajectory import CONTEXT_FIELDS

STEP_COLUMNS = ["run", *CONTEXT_FIELDS]


@dataclass
class Rollouts:
    tasks: pd.DataFrame  # a row per task: results.jsonl's columns + benchmark, method, run
    steps: pd.DataFrame  # a row per agent call: run, task_id, step, in_tokens

    @property
    def empty(self) -> bool:
        return self.tasks.empty


def combine(tasks: list[pd.DataFrame], steps: list[pd.DataFrame]) -> Rollouts:
    return Rollouts(
        pd.concat([upgraded(t) for t in tasks], ignore_index=True) if tasks else pd.DataFrame(),
        pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(columns=STEP_COLUMNS),
    )
