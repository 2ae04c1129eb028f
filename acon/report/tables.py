"""The paper's tables: one row per method; score, steps, peak tokens (thousands; without
the system prompt, then with it) and dependency (millions), overall and per difficulty
level, and the paired comparisons between methods; with each method's costs: compressor
calls, dollars and latency, and how long the agent stood waiting for its compressions.
Means are over finished tasks (a task repeated over seeds counts once, as the mean of its
repeats), score, peak, dependency, compressor dollars and agent wait with their 95%
intervals; `Tasks` counts distinct tasks, `Seeds` the seeds where a row pools more than
one, and `Errored` the task runs infrastructure cut short, which no mean includes."""

from __future__ import annotations

import pandas as pd

from acon.compression.labels import table_order
from acon.metrics import MEASURE, measure_columns, scenario_goal_completion
from acon.report.stats import ALPHA, holm, mcnemar_exact, mean_interval, paired_difference
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
    "compressor_tokens": "Compressor tokens (k)",
    "agent_latency_s": "Agent latency (s)",
    "compressor_latency_s": "Compressor latency (s)",
    "agent_wait_s": "Agent wait (s)",
}
# the cells with a 95% interval
INTERVALS = [
    "score",
    "peak_tokens",
    "dependency",
    "compressor_cost_usd",
    "compressor_tokens",
    "agent_wait_s",
]
KEYS = ["benchmark", "method"]


def finished(tasks: pd.DataFrame) -> pd.DataFrame:
    """The scored rows (rows from before statuses existed count as finished)."""
    if "status" not in tasks:
        return tasks
    return tasks[tasks["status"].fillna(FINISHED) == FINISHED]


def in_table_units(done: pd.DataFrame) -> pd.DataFrame:
    """Success as 0/1, peak tokens in thousands and dependency in millions; the compressor's
    provider tokens (prompt and completion, thousands) as its cost where dollars are 0."""
    if {"compressor_in_tokens", "compressor_out_tokens"} <= set(done.columns):
        done = done.assign(
            compressor_tokens=(done["compressor_in_tokens"] + done["compressor_out_tokens"]) / 1000
        )
    return done.assign(
        success=done["success"].astype(float),
        peak_tokens=done["peak_tokens"] / 1000,
        peak_tokens_with_system=done["peak_tokens_with_system"] / 1000,
        dependency=done["dependency"] / 1e6,
    )


def per_task(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per benchmark, method and task (repeats of a task averaged): the unit the
    intervals resample and the comparisons pair."""
    return frame.groupby([*KEYS, "task_id"], sort=False)[columns].mean()


def method_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Means per benchmark and method over finished tasks, with `Tasks` counting the
    distinct tasks behind each mean, `Errored` the task runs left out (one per task and
    seed) and, where a row pools repeats, `Seeds` their distinct seeds. A benchmark's
    named measures (QA's EM and F1) follow the score; score, peak and dependency have
    `CI low`/`CI high` columns, the 95% bootstrap interval over tasks."""
    done = in_table_units(finished(tasks))
    named = [c for c in measure_columns(tasks) if tasks[c].notna().any()]  # this benchmark's
    measures = {c: c.removeprefix(MEASURE) for c in named}
    table = means_with_intervals(done, {"score": COLUMNS["score"], **measures, **COLUMNS})
    if "scenario" in tasks and tasks["scenario"].notna().any():
        at = table.columns.get_loc(COLUMNS["score"] + " CI high") + 1
        table.insert(at, "Scenario goal completion", scenario_completion(tasks))
    if "task_wall_s" in done and done["task_wall_s"].notna().any():  # the paper's Table 4
        wall = done.groupby(KEYS, sort=False)["task_wall_s"].median()
        table.insert(len(table.columns), "Task wall, median (s)", wall.reindex(table.index))
    distinct = done.groupby(KEYS, sort=False)["task_id"].nunique()
    runs = tasks.groupby(KEYS, sort=False).size()
    errored = runs - done.groupby(KEYS, sort=False).size().reindex(runs.index).fillna(0)
    table.insert(0, "Tasks", distinct)
    table.insert(1, "Errored", errored.reindex(table.index).fillna(0))
    missing = runs.index.difference(table.index)  # methods whose every task errored
    for key in missing:
        table.loc[key, ["Tasks", "Errored"]] = [0, runs[key]]
    table = table.astype({"Tasks": int, "Errored": int})
    if "seed" in tasks:
        seeds = tasks.groupby(KEYS, sort=False)["seed"].nunique()
        if (seeds > 1).any():
            table.insert(2, "Seeds", seeds.reindex(table.index).fillna(0).astype(int))
    return _ordered(table)


def scenario_completion(tasks: pd.DataFrame) -> pd.Series:
    """Per benchmark and method, AppWorld's scenario goal completion
    (acon.metrics.scenario_goal_completion)."""
    rows = tasks.dropna(subset=["scenario"])
    if "status" in rows:
        rows = rows.assign(status=rows["status"].fillna(FINISHED))
    return rows.groupby(KEYS, sort=False).apply(
        lambda g: scenario_goal_completion(g.to_dict("records")), include_groups=False
    )


def means_with_intervals(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Means of `labels`' columns per benchmark and method, named by `labels`, each of
    INTERVALS followed by its 95% interval over tasks (`<label> CI low`/`CI high`)."""
    wanted = {*labels, *INTERVALS}
    missing = {c: float("nan") for c in wanted if c not in frame}  # rows from older runs
    frame = frame.assign(**missing)
    # the mean of per-task means: a task repeated over seeds weighs as much as any other
    table = per_task(frame, list(labels)).groupby(level=KEYS, sort=False).mean()
    by_method = per_task(frame, INTERVALS).groupby(level=KEYS, sort=False)
    for column in [c for c in INTERVALS if c in labels]:
        bounds = by_method[column].agg(mean_interval)
        at = table.columns.get_loc(column) + 1
        table.insert(at, f"{labels[column]} CI low", bounds.map(lambda b: b[0]))
        table.insert(at + 1, f"{labels[column]} CI high", bounds.map(lambda b: b[1]))
    return table.rename(columns=labels)


def comparison_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Every pair of methods of a benchmark on the tasks both finished (later methods in
    the table's order against earlier ones, so each is compared with No compression):
    the mean paired difference in score and peak with its 95% paired-bootstrap interval
    (the size) and the paired sign-flip test's p (`Score p`, `Peak p`), and McNemar's
    exact test on success (`McNemar p`). The benchmark's comparisons are one family per
    measure: each p gets Holm's adjustment across them (`... p (Holm)`), and `Score
    differs`, `Peak differs` and `Success differs` say whether the adjusted p < 0.05."""
    frame = per_task(in_table_units(finished(tasks)), ["score", "peak_tokens", "success"])
    tables = []
    for benchmark, part in frame.groupby(level="benchmark", sort=False):
        by_method = {m: p.droplevel(KEYS) for m, p in part.groupby(level="method", sort=False)}
        methods = sorted(by_method, key=table_order)
        rows = []
        for i, method in enumerate(methods):
            for against in methods[:i]:
                a, b = by_method[method].align(by_method[against], join="inner")
                score = paired_difference(a["score"], b["score"])
                peak = paired_difference(a["peak_tokens"], b["peak_tokens"])
                only_a, only_b, p = mcnemar_exact(a["success"] > 0, b["success"] > 0)
                rows.append(
                    {
                        "benchmark": benchmark,
                        "method": method,
                        "against": against,
                        "Paired tasks": len(a),
                        "Δ Score": score.mean,
                        "Δ Score CI low": score.low,
                        "Δ Score CI high": score.high,
                        "Score p": score.p,
                        "Δ Peak (k)": peak.mean,
                        "Δ Peak (k) CI low": peak.low,
                        "Δ Peak (k) CI high": peak.high,
                        "Peak p": peak.p,
                        "Only this succeeded": only_a,
                        "Only the other succeeded": only_b,
                        "McNemar p": p,
                    }
                )
        if rows:
            tables.append(_holm_adjusted(pd.DataFrame(rows)))
    if not tables:
        return pd.DataFrame()
    return pd.concat(tables).set_index([*KEYS, "against"])


# each measure's p-value column and the column saying whether its adjusted p < 0.05
TESTS = {"Score p": "Score differs", "Peak p": "Peak differs", "McNemar p": "Success differs"}


def _holm_adjusted(table: pd.DataFrame) -> pd.DataFrame:
    """One benchmark's comparisons with, after each p column, its Holm adjustment across
    the table's comparisons and whether that is below ALPHA."""
    for column, differs in TESTS.items():
        adjusted = holm(table[column])
        at = table.columns.get_loc(column) + 1
        table.insert(at, f"{column} (Holm)", adjusted)
        table.insert(at + 1, differs, adjusted < ALPHA)
    return table


THRESHOLD_COLUMNS = {
    "score": "Score",
    "peak_tokens": "Peak (k)",
    "compressions": "Compressions per task",
    "compressor_calls": "Compressor calls",
    "steps": "Steps",
}


def threshold_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """The paper's Figure 6 as a table: each method run at several thresholds (a sweep),
    a row per threshold with its score, peak and how often compression fired per task."""
    swept = tasks[tasks["method"] != tasks["strategy"]] if "strategy" in tasks else tasks[:0]
    done = in_table_units(finished(swept))
    if done.empty:
        return pd.DataFrame()
    done = done.assign(compressions=done["history_compressions"] + done["observation_compressions"])
    table = means_with_intervals(done, THRESHOLD_COLUMNS)
    first = done.groupby(KEYS, sort=False).first()
    threshold = first["history_threshold"].where(
        first["strategy"].str.contains("History:"), first["observation_threshold"]
    )
    table.insert(0, "Method", first["strategy"])
    table.insert(1, "Threshold", threshold.astype(int))
    table.insert(2, "Tasks", done.groupby(KEYS, sort=False).size())
    return _ordered(table)


LEVEL_COLUMNS = {
    "score": "Score",
    "steps": "Steps",
    "peak_tokens": "Peak (k)",
    "dependency": "Dependency (M)",
}


def difficulty_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Per method and difficulty level, as the paper's Table 1: score, steps, peak tokens
    and dependency (with their intervals), one column group per level ("Level 1 Score",
    ...), where the benchmark has levels."""
    leveled = finished(tasks).dropna(subset=["difficulty"])
    if leveled.empty:
        return pd.DataFrame()
    leveled = in_table_units(leveled)
    parts = []
    for level, part in leveled.groupby("difficulty", sort=True):
        table = means_with_intervals(part, LEVEL_COLUMNS)
        parts.append(table.rename(columns=lambda c, lv=level: f"Level {lv} {c}"))
    return _ordered(pd.concat(parts, axis=1))


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    rows = sorted(table.index, key=lambda i: (i[0], table_order(i[1])))
    return table.loc[rows]
