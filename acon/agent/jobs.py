"""Compressions as jobs: run at once (the foreground) or on one background thread, in
order, as on one slot; each job knows when it started and hands back what the strategy
returned or raised, and when it ended."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Compaction:
    """A history compaction under way: where it started (the step, how many turns the
    context held, its tokens, the clock) and its outcome to come."""

    step: int
    turns: int
    before: int
    start: float
    future: Future = field(default_factory=Future)


@dataclass
class Observed:
    """An observation compression under way: its step, action and raw observation."""

    step: int
    action: str
    observation: str
    start: float
    future: Future = field(default_factory=Future)


class Jobs:
    def __init__(self, background: bool):
        self.background = background
        self._pool: ThreadPoolExecutor | None = None

    def start(self, job: Compaction | Observed, call: Callable[..., Any], *args: Any) -> None:
        """Run `call(*args)` for `job`: now, or on the background thread."""
        if self.background:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="compaction")
            job.future = self._pool.submit(_timed, call, *args)
        else:
            job.future.set_result(_timed(call, *args))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def outcome(future: Future, waited_from: float | None) -> tuple[Any, float, float]:
    """(result, when it ended, how long the agent waited for it from `waited_from`)."""
    result, ended = future.result()
    waited = 0.0 if waited_from is None else max(0.0, time.perf_counter() - waited_from)
    return result, ended, waited


def _timed(strategy_call: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """The strategy's result, or what it raised, and when it ended (perf_counter)."""
    try:
        return strategy_call(*args), time.perf_counter()
    except Exception as exc:  # handed to the agent's thread, which decides what it means
        return exc, time.perf_counter()
