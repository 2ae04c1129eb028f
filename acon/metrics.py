"""Task metrics from trajectory records, exactly as the paper's reference code defines them.

- steps: agent LLM calls until the task ended;
- peak tokens: the largest agent input at any step without the system prompt (the paper's
  Appendix B.2 definition, its tables' headline); with the system prompt as a second column;
- dependency: sum over steps of (n_in + 2 * n_out) * n_out / 2, n_in without the system
  prompt (tables report it in millions): the formula of the paper authors' reference code
  (Kang et al. 2025, "ACON"), as ../shared/DESIGN.md records it;
- cost and latency per role: agent calls, and compressor calls.
Tokens are cl100k_base counts, so runs on different models compare; the provider's own
counts are kept beside them (`*_provider`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from acon.trajectory import FINISHED, TaskRecord

MEASURE = "measure:"  # the prefix of a benchmark's named measures (QA: measure:EM, measure:F1)
# Bump when a results-row column changes meaning (2: `peak_tokens` left out the system
# prompt): the rollout store keys on it, so rows of the old meaning are never reused.
ROWS_VERSION = 2


def upgraded(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows written before ROWS_VERSION 2 (their `peak_tokens` included the system prompt,
    `peak_tokens_no_system` did not) in today's columns, so old runs report the paper's peak."""
    if "peak_tokens_no_system" not in rows:
        return rows
    return rows.rename(
        columns={"peak_tokens": "peak_tokens_with_system", "peak_tokens_no_system": "peak_tokens"}
    )


def dependency(steps: list[tuple[int, int]]) -> float:
    """`steps` as (n_in without system prompt, n_out) pairs."""
    return sum((n_in + 2 * n_out) * n_out / 2 for n_in, n_out in steps)


def task_metrics(record: TaskRecord) -> dict[str, Any]:
    steps = record.steps
    ok = [c for c in record.compressions if c.ok]
    failure = record.failure
    return {
        "task_id": record.task_id,
        "difficulty": record.difficulty,
        "scenario": record.scenario,
        "status": record.status,
        "score": record.score if failure is None else None,
        "success": record.success if failure is None else None,
        "end_reason": record.end_reason,
        "error": failure.message if failure else None,
        "error_kind": failure.kind if failure else None,
        "error_stage": failure.stage if failure else None,
        "error_role": failure.role if failure else None,
        "steps": len(steps),
        "peak_tokens": max((s.in_tokens - s.system_tokens for s in steps), default=0),
        "peak_tokens_with_system": max((s.in_tokens for s in steps), default=0),
        "peak_tokens_provider": max((s.provider_in for s in steps), default=0),
        "dependency": dependency([(s.in_tokens - s.system_tokens, s.out_tokens) for s in steps]),
        "agent_in_tokens": sum(s.in_tokens for s in steps),
        "agent_out_tokens": sum(s.out_tokens for s in steps),
        "agent_cost_usd": sum(s.cost_usd for s in steps),
        "compressor_calls": len(record.compressions),
        "compressor_failures": len(record.compressions) - len(ok),
        "history_compressions": sum(c.kind == "history" for c in ok),
        "observation_compressions": sum(c.kind == "observation" for c in ok),
        "compressor_in_tokens": sum(c.provider_in for c in record.compressions),
        "compressor_out_tokens": sum(c.provider_out for c in record.compressions),
        "compressor_cost_usd": sum(c.cost_usd for c in record.compressions),
        # the time the task waited on its models (a cached reply counts as its live call
        # took), as the paper's Table 4 latency: environment time is left out
        "agent_latency_s": sum(s.latency_s for s in steps),
        "compressor_latency_s": sum(c.latency_s for c in record.compressions),
        # how long the agent stood still for its compressions, and how long it would have
        # had every one run in its way (background compaction makes these differ); a
        # replayed reply counts as its live call took, here and in task_wall_s
        # (acon.agent.recorder.as_live, acon.agent.react)
        "agent_wait_s": sum(c.waited_s for c in record.compressions),
        "compressor_wall_s": sum(c.wall_s for c in record.compressions),
        "task_wall_s": record.wall_s,
        "format_errors": record.format_errors,
        **{
            MEASURE + name: value if failure is None else None
            for name, value in record.measures.items()
        },
    }


SUMMARY_COLUMNS = [
    "score",
    "success",
    "steps",
    "peak_tokens",
    "peak_tokens_with_system",
    "dependency",
    "compressor_calls",
    "compressor_failures",
    "agent_cost_usd",
    "compressor_cost_usd",
]


def finished_rows(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows that carry a score (rows from before statuses existed count as finished)."""
    return [r for r in rows if r.get("status", FINISHED) == FINISHED]


def scenario_goal_completion(rows: Iterable[Mapping[str, Any]]) -> float:
    """The share of scenarios (`scenario` of each row) whose every task succeeded,
    AppWorld's scenario goal completion; a scenario with an errored task is left out,
    since whether it would have completed is unknown. NaN when no scenario counts."""
    by_scenario: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_scenario[row["scenario"]].append(row)
    known = [
        all(bool(r["success"]) for r in tasks)
        for tasks in by_scenario.values()
        if len(finished_rows(tasks)) == len(tasks)
    ]
    return sum(known) / len(known) if known else math.nan


def summarize(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Means over finished tasks: one `all` row, then one per difficulty level (when there
    are levels). Peak tokens are in thousands and dependency in millions, as in the
    paper's tables; `tasks` counts the rows behind each mean and `errored` the tasks left
    out because infrastructure cut them short."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["tasks", "errored", *SUMMARY_COLUMNS])
    if "status" not in frame:
        frame["status"] = FINISHED
    frame["status"] = frame["status"].fillna(FINISHED)
    groups = {"all": frame}
    if frame["difficulty"].notna().any():
        for level, part in frame.groupby("difficulty", sort=True):
            groups[f"level {level}"] = part
    table = pd.DataFrame({name: _means(part) for name, part in groups.items()}).T
    table["peak_tokens"] /= 1000
    table["peak_tokens_with_system"] /= 1000
    table["dependency"] /= 1e6
    return table.rename(
        columns={
            "peak_tokens": "peak_tokens_k",
            "peak_tokens_with_system": "peak_tokens_with_system_k",
            "dependency": "dependency_m",
        }
    )


def measure_columns(frame: pd.DataFrame) -> list[str]:
    """The benchmark's named measure columns in `frame`, in their order of appearance."""
    return [c for c in frame.columns if str(c).startswith(MEASURE)]


def _means(part: pd.DataFrame) -> dict[str, float]:
    done = part[part["status"] == FINISHED]
    columns = [*SUMMARY_COLUMNS[:1], *measure_columns(part), *SUMMARY_COLUMNS[1:]]
    means = done[columns].astype(float).mean() if len(done) else {}
    return {
        "tasks": len(done),
        "errored": int((part["status"] != FINISHED).sum()),
        **{c: float(means[c]) if len(done) else float("nan") for c in columns},
    }
