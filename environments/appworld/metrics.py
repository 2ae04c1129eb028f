"""AppWorld's two headline measures, computed from a rollout's result rows.

- Task goal completion (TGC): the share of tasks whose tests all pass (`success`).
- Scenario goal completion (SGC): the share of scenarios all of whose tasks pass. A
  scenario is AppWorld's task generator: its tasks share the id part before `_`
  (`50e1ac9_1`, `50e1ac9_2`, `50e1ac9_3`). SGC is the stricter, consistency measure.
Both in percent, overall and per difficulty (1-3), as in AppWorld's own report
(`appworld.evaluator.Metric.build_report`): a scenario counts in a difficulty's row with
its tasks of that difficulty. Errored tasks (infrastructure cut them short) are no
results: TGC leaves them out, and SGC the scenarios they belong to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from acon.metrics import finished_rows, scenario_goal_completion
from environments.appworld.data import scenario_of


def _completion(rows: list[dict[str, Any]]) -> tuple[float, float]:
    done = finished_rows(rows)  # an errored task is no failure: it has no result
    tgc = 100 * sum(bool(r["success"]) for r in done) / len(done) if done else math.nan
    with_scenario = (
        {**r, "scenario": r.get("scenario") or scenario_of(r["task_id"])} for r in rows
    )
    sgc = 100 * scenario_goal_completion(with_scenario)
    return round(tgc, 1), round(sgc, 1)


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    done = len(finished_rows(rows))
    return {"tasks": done, "errored": len(rows) - done}


def goal_completion(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """TGC and SGC (percent) for `rows` (e.g. a run's results.jsonl): an `all` row, then
    one per difficulty present. Each row needs `task_id` and `success`; `difficulty`
    for the per-difficulty rows."""
    rows = list(rows)
    table: dict[str, dict[str, float]] = {}
    if rows:
        tgc, sgc = _completion(rows)
        table["all"] = {
            **_counts(rows),
            "task_goal_completion": tgc,
            "scenario_goal_completion": sgc,
        }
    levels = sorted({str(r.get("difficulty")) for r in rows if r.get("difficulty") is not None})
    for level in levels:
        part = [r for r in rows if str(r.get("difficulty")) == level]
        tgc, sgc = _completion(part)
        table[f"difficulty {level}"] = {
            **_counts(part),
            "task_goal_completion": tgc,
            "scenario_goal_completion": sgc,
        }
    return pd.DataFrame.from_dict(table, orient="index")
