"""The paper's tables: one row per method; score, steps, peak tokens (thousands) and
dependency (millions), overall and per difficulty level."""

from __future__ import annotations

import pandas as pd

from acon.report.labels import table_order

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


def method_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Means per benchmark and method, with `tasks` counting the rows behind each."""
    frame = tasks.assign(
        success=tasks["success"].astype(float),
        peak_tokens=tasks["peak_tokens"] / 1000,
        dependency=tasks["dependency"] / 1e6,
    )
    grouped = frame.groupby(["benchmark", "method"], sort=False)
    table = grouped[list(COLUMNS)].mean()
    table.insert(0, "Tasks", grouped.size())
    return _ordered(table.rename(columns=COLUMNS))


def difficulty_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Score per method and difficulty level (columns), where the benchmark has levels."""
    leveled = tasks.dropna(subset=["difficulty"])
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
