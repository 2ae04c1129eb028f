"""AppWorld's two headline measures, computed from a rollout's result rows.

- Task goal completion (TGC): the share of tasks whose tests all pass (`success`).
- Scenario goal completion (SGC): the share of scenarios all of whose tasks pass. A
  scenario is AppWorld's task generator: its tasks share the id part before `_`
  (`50e1ac9_1`, `50e1ac9_2`, `50e1ac9_3`). SGC is the stricter, consistency measure.
Both in percent, overall and per difficulty (1-3), as in AppWorld's own report
(`appworld.evaluator.Metric.build_report`): a scenario counts in a difficulty's row with
its tasks of that difficulty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pandas as pd

from environments.appworld.data import scenario_of


def _completion(rows: list[dict[str, Any]]) -> tuple[float, float]:
    by_scenario: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        by_scenario[scenario_of(row["task_id"])].append(bool(row["success"]))
    tgc = 100 * sum(bool(r["success"]) for r in rows) / len(rows)
    sgc = 100 * sum(all(v) for v in by_scenario.values()) / len(by_scenario)
    return round(tgc, 1), round(sgc, 1)


def goal_completion(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """TGC and SGC (percent) for `rows` (e.g. a run's results.jsonl): an `all` row, then
    one per difficulty present. Each row needs `task_id` and `success`; `difficulty`
    for the per-difficulty rows."""
    rows = list(rows)
    table: dict[str, dict[str, float]] = {}
    if rows:
        tgc, sgc = _completion(rows)
        table["all"] = {"tasks": len(rows), "task_goal_completion": tgc,
                        "scenario_goal_completion": sgc}  # fmt: skip
    levels = sorted({str(r.get("difficulty")) for r in rows if r.get("difficulty") is not None})
    for level in levels:
        part = [r for r in rows if str(r.get("difficulty")) == level]
        tgc, sgc = _completion(part)
        table[f"difficulty {level}"] = {"tasks": len(part), "task_goal_completion": tgc,
                                        "scenario_goal_completion": sgc}  # fmt: skip
    return pd.DataFrame.from_dict(table, orient="index")
