"""`env=facts`: the built-in directory-lookup benchmark's settings."""

from __future__ import annotations

from dataclasses import dataclass

from acon.config.schemas import check_positive, schema
from acon.environment import EnvConfig


@schema("env", "facts")
@dataclass
class FactsConfig(EnvConfig):
    _target_: str = "environments.facts.env.FactsEnv"
    seed: int = 0  # the directory and the tasks are generated from it
    n_tasks: int = 20  # per split
    filler_lines: int = 20  # boilerplate lines around each record (long observations)

    def __post_init__(self) -> None:
        check_positive("n_tasks", self.n_tasks)
        check_positive("filler_lines", self.filler_lines, zero=True)
