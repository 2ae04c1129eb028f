"""The main job's last word, in plain sentences: how the guideline was optimized (which
tasks taught each step, what it proposed, what it kept), then what the optimized guideline
changed in score and peak tokens against its start (the paper's Prompting baseline by
default) and against no compression on
the test split, and whether each change is significant.

A change is called significant only when its exact paired test, Holm-adjusted across the
benchmark's comparisons, gives p < 0.05 (`acon.report.tables.comparison_table`: the
sign-flip test for score and peak); each sentence gives the mean change, its paired 95%
bootstrap interval (the size) and that adjusted p, so the verdict never claims more than
the tests allow.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from acon.optimize import OptimizationReport

NO_COMPRESSION = "No compression"
# Below this many paired tasks no difference is called significant: even when every task
# moved the same way an exact two-sided sign-flip test cannot reach p < 0.05 (2 x 0.5^n;
# n = 5 gives 0.0625, n = 6 0.031). The tests already hold to this; the guard keeps a
# table from elsewhere (or edited) from claiming it.
MIN_PAIRED_TASKS = 6


def _measured(version: dict[str, Any]) -> str:
    """`score 0.786, peak 246`: a scored version (GEPA's have no peak)."""
    peak = version.get("peak_tokens")
    return f"score {version['score']:.3f}" + (f", peak {peak:.0f}" if peak is not None else "")


def optimization_lines(report: OptimizationReport) -> list[str]:
    """A line per step: the feedback it learned from (how many tasks and which), the
    candidates it scored and the version it kept."""
    lines = []
    for s in report.steps:
        head = f"Round {s.round}, {s.step.upper()} from v{s.parent_version}"
        if s.skipped:
            lines.append(f"- {head}: nothing proposed ({s.skipped}).")
            continue
        whole = s.task_set or s.feedback_tasks  # reports written before task_set
        scored = "; ".join(
            f"v{c['version']} {_measured(c)}" + (f" ({c['change']})" if c.get("change") else "")
            for c in s.candidates
        )
        if s.parent and s.candidates:
            scored += (
                f"; the parent v{s.parent['version']} on the same tasks: {_measured(s.parent)}"
            )
        kept = s.decision()
        refused = [f"v{c['version']}" for c in s.leaking if c.get("rejected")]
        if refused:
            kept = f"{', '.join(refused)} rejected for copying training-task text; {kept}"
        lines.append(
            f"- {head}: {s.feedback_mode or 'feedback set'} of {len(whole)} task(s) "
            f"({', '.join(whole) or 'none'}); feedback from {len(s.feedback_tasks)} "
            f"({', '.join(s.feedback_tasks) or 'none'}); {len(s.candidates)} new candidate(s) "
            f"of {s.proposals} asked{': ' + scored if scored else ''}; {kept}."
        )
    return lines


def _change(row: pd.Series, measure: str, unit: str, fmt: str) -> str:
    mean, low, high = row[f"Δ {measure}"], row[f"Δ {measure} CI low"], row[f"Δ {measure} CI high"]
    key = measure.split(" ")[0]
    significant = bool(row[f"{key} differs"])
    adjusted = float(row[f"{key} p (Holm)"])
    p = "p < 0.001" if adjusted < 0.001 else f"p = {adjusted:.3f}"
    numbers = f"{mean:+{fmt}}{unit} [{low:+{fmt}}, {high:+{fmt}}], {p} (Holm)"
    if significant and int(row["Paired tasks"]) < MIN_PAIRED_TASKS:
        return (
            f"{numbers}, too few tasks to call significant (fewer than "
            f"{MIN_PAIRED_TASKS}, whatever the p-value)"
        )
    if significant:
        direction = "higher" if mean > 0 else "lower"
        return f"{numbers}, significantly {direction}"
    return f"{numbers}, not significant"


def comparison_sentence(comparisons: pd.DataFrame, method: str, against: str, name: str) -> str:
    """`method` against `against` in one sentence; `name` says what `against` is."""
    try:
        row = comparisons.loc[(method, against)]
    except KeyError:
        return f"Against {name}: no paired test tasks to compare."
    return (
        f"Against {name} ({int(row['Paired tasks'])} paired test tasks): score "
        f"{_change(row, 'Score', '', '.3f')}; peak tokens {_change(row, 'Peak (k)', 'k', '.2f')}."
    )


def verdict(
    comparisons: pd.DataFrame,
    report: OptimizationReport,
    optimized: str,
    start: str,
) -> str:
    """The verdict of one benchmark's test split. `comparisons`: its comparison table
    (methods and `against` as index levels); `optimized`, `start`: the row labels of the
    optimized guideline and of the one the optimization started from."""
    lines = ["# Verdict", "", "## How the guideline was optimized", ""]
    lines += optimization_lines(report) or ["- No step ran."]
    if report.stopped:
        lines.append(f"- Stopped before the plan's end, keeping the best so far: {report.stopped}.")
    lines += ["", f"## {optimized} on the test split", ""]
    first = report.steps[0].parent_version if report.steps else report.best_version
    if report.best_version == first:
        lines.append(
            f"No candidate beat the starting guideline: the optimized guideline is the start "
            f"(v{report.best_version}), the same text as {start}."
        )
    lines.append(comparison_sentence(comparisons, optimized, start, f"the start ({start})"))
    lines.append(comparison_sentence(comparisons, optimized, NO_COMPRESSION, "no compression"))
    return "\n".join(lines) + "\n"
