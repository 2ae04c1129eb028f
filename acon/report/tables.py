"""The paper's tables: one row per method; score, steps, peak tokens (thousands; without
the system prompt, then with it) and dependency (millions), overall and per difficulty
level. Means are over finished tasks; `Errored` counts the tasks infrastructure cut
short, which no mean includes."""

from __future__ import annotations

import pandas as pd

from acon.metrics import MEASURE, measure_columns
from acon.report.labels import table_order
from acon.trajectory import FINISHED

COLUMNS = {
    "score": "Score",
    "success": "Success",
    "steps": "Steps",
    "peak_tokens": "Peak (k)",
    "peak_tokens_with_system": "Peak with system (k)",
    "dependency": "Dependency (M)",
    "compressor_calls": "Compressor calls",
    "compressor_failures": "Compressor failures",
    "agent_cost_usd": "Agent $",
    "compressor_cost_usd": "Compressor $",
}


def finished(tasks: pd.DataFrame) -> pd.DataFrame:
    """The scored rows (rows from before statuses existed count as finished)."""
    if "status" not in tasks:
        return tasks
    return tasks[tasks["status"].fillna(FINISHED) == FINISHED]


def method_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Means per benchmark and method over finished tasks, with `Tasks` counting the rows
    behind each mean and `Errored` the tasks left out. A benchmark's named measures (QA's
    EM and F1) follow the score."""
    done = finished(tasks)
    measures = {c: c.removeprefix(MEASURE) for c in measure_columns(tasks)}
    columns = {"score": COLUMNS["score"], **measures, **COLUMNS}
    frame = done.assign(
        success=done["success"].astype(float),
        peak_tokens=done["peak_tokens"] / 1000,
        peak_tokens_with_system=done["peak_tokens_with_system"] / 1000,
        dependency=done["dependency"] / 1e6,
    )
    keys = ["benchmark", "method"]
    grouped = frame.groupby(keys, sort=False)
    table = grouped[list(columns)].mean()
    table.insert(0, "Tasks", grouped.size())
    everything = tasks.groupby(keys, sort=False).size()
    table.insert(1, "Errored", (everything - grouped.size()).reindex(table.index).fillna(0))
    missing = everything.index.difference(table.index)  # methods whose every task errored
    for key in missing:
        table.loc[key, ["Tasks", "Errored"]] = [0, everything[key]]
    table = table.astype({"Tasks": int, "Errored": int})
    return _ordered(table.rename(columns=columns))


LEVEL_COLUMNS = {
    "score": "Score",
    "steps": "Steps",
    "peak_tokens": "Peak (k)",
    "dependency": "Dependency (M)",
}


def difficulty_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Per method and difficulty level, as the paper's Table 1: score, steps, peak tokens
    and dependency, one column group per level ("Level 1 Score", ...), where the
    benchmark has levels."""
    leveled = finished(tasks).dropna(subset=["difficulty"])
    if leveled.empty:
        return pd.DataFrame()
    leveled = leveled.assign(
        peak_tokens=leveled["peak_tokens"] / 1000, dependency=leveled["dependency"] / 1e6
    )
    table = leveled.pivot_table(
        index=["benchmark", "method"], columns="difficulty", values=list(LEVEL_COLUMNS),
        aggfunc="mean",
    )  # fmt: skip
    levels = sorted(table.columns.get_level_values("difficulty").unique())
    table = table[[(v, lv) for lv in levels for v in LEVEL_COLUMNS]]
    table.columns = [f"Level {lv} {LEVEL_COLUMNS[v]}" for v, lv in table.columns]
    return _ordered(table)


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    rows = sorted(table.index, key=lambda i: (i[0], table_order(i[1])))
    return table.loc[rows]
