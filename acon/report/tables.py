"""The paper's tables: one row per method; score, steps, peak tokens (thousands) and
dependency (millions), overall and per difficulty level. Means are over finished tasks;
`Errored` counts the tasks infrastructure cut short, which no mean includes."""

from __future__ import annotations

import pandas as pd

from acon.report.labels import table_order
from acon.trajectory import FINISHED

COLUMNS = {
    "score": "Score",
    "success": "Success",
    "steps": "Steps",
    "peak_tokens": "Peak (k)",
    "dependency": "Dependency (M)",
    "compressor_calls": "Compressor calls",
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
    behind each mean and `Errored` the tasks left out."""
    done = finished(tasks)
    frame = done.assign(
        success=done["success"].astype(float),
        peak_tokens=done["peak_tokens"] / 1000,
        dependency=done["dependency"] / 1e6,
    )
    keys = ["benchmark", "method"]
    grouped = frame.groupby(keys, sort=False)
    table = grouped[list(COLUMNS)].mean()
    table.insert(0, "Tasks", grouped.size())
    everything = tasks.groupby(keys, sort=False).size()
    table.insert(1, "Errored", (everything - grouped.size()).reindex(table.index).fillna(0))
    missing = everything.index.difference(table.index)  # methods whose every task errored
    for key in missing:
        table.loc[key, ["Tasks", "Errored"]] = [0, everything[key]]
    table = table.astype({"Tasks": int, "Errored": int})
    return _ordered(table.rename(columns=COLUMNS))


def difficulty_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Score per method and difficulty level (columns), where the benchmark has levels."""
    leveled = finished(tasks).dropna(subset=["difficulty"])
    if leveled.empty:
        return pd.DataFrame()
    table = leveled.pivot_table(
        index=["benchmark", "method"], columns="difficulty", values="score", aggfunc="mean"
    )
    table.columns = [f"Level {c}" for c in table.columns]
    return _ordered(table)


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    rows = sorted(table.index, key=lambda i: (i[0], table_order(i[1])))
    return table.loc[rows]
