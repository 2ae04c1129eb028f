"""`rollout:` in the config: which tasks run, how many at once, and on what backend
(`rollout/backend=local|ray`, each typed in its own module)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from acon.config.schemas import check_choice, check_positive


@dataclass
class RolloutConfig:
    split: str = "test"
    limit: int | None = None  # the first N tasks of the split
    task_ids: list[str] | None = None  # or an explicit list
    workers: int = 1  # tasks at once (threads here, or Ray actors)
    # Repeats: every task once per seed (sent as llm.common.seed), each repeat a rollout of
    # its own in <run>/seed-<n> (a role with a seed of its own keeps it); tables pool them,
    # the intervals resampling tasks.
    seeds: list[int] | None = None
    # Stop the run when this many tasks in a row errored (an outage, not bad luck); the
    # first failure of an endpoint that never answered stops it at once.
    max_consecutive_errors: int = 3
    backend: Any = MISSING  # conf/rollout/backend/<local|ray>.yaml
    # Resuming into a folder with finished tasks: `check` stops when this config differs
    # from theirs in anything that changes a result (acon.rollout.resume); `force` adds
    # its rows anyway, and the folder records that it mixes configs.
    resume: str = "check"

    def __post_init__(self) -> None:
        check_positive("limit", self.limit)
        check_positive("workers", self.workers)
        check_positive("max_consecutive_errors", self.max_consecutive_errors)
        check_choice("resume", self.resume, ("check", "force"))
