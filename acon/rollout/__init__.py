"""Run the agent over a benchmark split with the configured compression, and record it.

    result = rollout(RolloutSpec.of(cfg), RunFolder("runs/x"), llms)   # .table, .errored

Every task attempt is a row in the run folder (acon.run_folder): finished rows carry the
benchmark's score; errored rows (infrastructure cut the task short, acon.trajectory) carry
the failure and no score, are left out of every mean, and are run again by the next
rollout into the same folder, which skips only finished tasks; that rollout must have the
same config as the folder's finished tasks (acon.rollout.resume). A failure that would hit
every task stops the run at once (acon.rollout.runner.StopRules).

The tasks run on a backend (`rollout/backend=local`: threads here; `ray`: a Ray cluster),
`rollout.workers` at a time.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from acon import progress
from acon.config.build import build
from acon.environment import Environment, Task
from acon.llm.session import LLMSession
from acon.metrics import summarize
from acon.rollout.resume import claim, recover
from acon.rollout.runner import RolloutStopped, StopRules, TaskRunner, make_env
from acon.rollout.spec import RolloutSpec, TaskSelection
from acon.run_folder import RunFolder
from acon.services import Services
from acon.trajectory import ERRORED

__all__ = [
    "RolloutResult",
    "RolloutSpec",
    "RolloutStopped",
    "TaskRunner",
    "TaskSelection",
    "make_env",
    "rollout",
]
log = logging.getLogger(__name__)


@dataclass
class RolloutResult:
    folder: RunFolder
    rows: list[dict[str, Any]]  # the latest row of every selected task
    table: pd.DataFrame  # means over the finished ones

    @property
    def finished(self) -> dict[str, dict[str, Any]]:
        return {r["task_id"]: r for r in self.rows if r["status"] != ERRORED}

    @property
    def errored(self) -> dict[str, dict[str, Any]]:
        return {r["task_id"]: r for r in self.rows if r["status"] == ERRORED}

    def errors_summary(self) -> str:
        """`2 of 10 tasks errored (timeout x2: ...)`, or '' when none did."""
        errored = list(self.errored.values())
        if not errored:
            return ""
        kinds = Counter(r.get("error_kind") or "?" for r in errored)
        first = {r.get("error_kind"): r["error"] for r in reversed(errored)}
        parts = [f"{kind} x{n}: {first[kind]}" for kind, n in kinds.most_common()]
        return (
            f"{len(errored)} of {len(self.rows)} tasks errored and are left out of "
            f"every result ({'; '.join(parts)})"
        )


OnRow = Callable[[int, dict[str, Any]], None]


def rollout(
    spec: RolloutSpec, folder: RunFolder, llms: LLMSession, on_row: OnRow | None = None
) -> RolloutResult:
    """Run (or finish) `spec`'s rollout into `folder`; `on_row(index, row)` sees each
    task's row as it is written (index: the task's place in the selected tasks).
    Its LLMs are those `spec` names, over `llms`'s servers, ledger and cache."""
    if llms.settings is not spec.models:
        llms = llms.with_settings(spec.models)
    claim(spec, folder.make())  # before anything is written: one config per folder
    services = Services(llms, folder)
    folder.write_guidelines(spec.guidelines_used())  # which text each row followed
    env = make_env(spec.env, services)
    try:
        tasks = spec.tasks.select(env.tasks(spec.tasks.split))
        recover(folder, tasks)
        _run(spec, folder, llms, env, tasks, on_row)
    finally:
        env.close()  # a browser or a server must not outlive the run
        _write_summary(folder)
    return _result(folder, tasks)


def _run(
    spec: RolloutSpec,
    folder: RunFolder,
    llms: LLMSession,
    env: Environment,
    tasks: list[Task],
    on_row: OnRow | None,
) -> None:
    finished, errored = folder.finished(), folder.errored()
    todo = [t for t in tasks if t.id not in finished]
    retry = sum(t.id in errored for t in todo)
    if len(todo) < len(tasks) or retry:
        log.info(
            "Resuming in %s: %d of %d tasks finished; %d to run (%d errored before)",
            folder.path,
            len(tasks) - len(todo),
            len(tasks),
            len(todo),
            retry,
        )
    if not todo:
        return
    backend = build(spec.run.backend, Services(llms, folder))
    rules = StopRules(llms, spec.run.max_consecutive_errors, folder)
    index = {t.id: i for i, t in enumerate(tasks)}
    bar = _Progress(len(todo), llms, f"{spec.tasks.split}: {spec.label}")
    rows = backend.run(spec, env, todo, folder.append_row)  # recorded as each task ends
    with progress.logs_above_bars(), contextlib.closing(bar), contextlib.closing(rows):
        for row in rows:
            bar.log(row)
            if on_row is not None:
                on_row(index[row["task_id"]], row)
            rules.check(row)


def _write_summary(folder: RunFolder) -> None:
    if folder.has_results():
        folder.write_summary(summarize(folder.rows()))


def _result(folder: RunFolder, tasks: list[Task]) -> RolloutResult:
    latest = {r["task_id"]: r for r in folder.rows()}
    rows = [latest[t.id] for t in tasks if t.id in latest]
    return RolloutResult(folder, rows, summarize(rows))


class _Progress:
    """A bar on a terminal (done/total, running score, tokens, cost, ETA) and one log line
    per finished task."""

    def __init__(self, total: int, llms: LLMSession, desc: str):
        self.total, self.llms, self.done = total, llms, 0
        self.scores: list[float] = []
        self.start = time.monotonic()
        self.bar = progress.bar(total, desc)

    def log(self, row: dict[str, Any]) -> None:
        self.done += 1
        usage = self.llms.ledger.total()
        eta = (time.monotonic() - self.start) / self.done * (self.total - self.done)
        if row["status"] == ERRORED:
            outcome = f"ERRORED ({row['error_kind']}, {row['error_stage']})"
        else:
            self.scores.append(float(row["score"]))
            outcome = f"score {row['score']:.2f} in {row['steps']} steps ({row['end_reason']})"
        mean = sum(self.scores) / len(self.scores) if self.scores else float("nan")
        tokens = usage.prompt_tokens + usage.completion_tokens
        self.bar.set_postfix_str(
            f"score {mean:.3f}, {tokens:,} tokens, ${usage.cost_usd:.4f}", refresh=False
        )
        self.bar.update()
        log.info(
            "[%d/%d] %s: %s | mean score %.3f | %d LLM calls, %d tokens, $%.4f | ETA %.0f s",
            self.done,
            self.total,
            row["task_id"],
            outcome,
            mean,
            usage.calls,
            tokens,
            usage.cost_usd,
            eta,
        )

    def close(self) -> None:
        self.bar.close()
