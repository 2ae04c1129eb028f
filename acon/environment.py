"""The one small protocol every benchmark implements.

An environment owns its tasks, exposes tools (the actions an agent may take, with JSON
schemas for their arguments), applies one action at a time, and scores the finished
episode with the benchmark's own evaluation. The agent loop knows nothing else about it.

It is built from its typed config and the run's services (`acon.config.build`): the LLM
session (for a judge) and the run folder (for server logs) arrive there, and nowhere
else. A failure of the environment itself (its server died, a judge gave no verdict) is
raised: the task is then errored, not failed (acon.trajectory).
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from acon.config.schemas import DATA, OPERATIONAL  # noqa: F401 - for environment schemas
from acon.services import Services


@dataclass
class EnvConfig:
    """Base of every environment's schema (`environments/<name>/config.py`)."""

    _target_: str = ""

    def scoring_roles(self) -> tuple[str, ...]:
        """LLM roles whose answers decide a task's score (a judge)."""
        return ()


@dataclass(frozen=True)
class Task:
    id: str
    instruction: str
    difficulty: str | None = None  # the benchmark's level, for per-difficulty tables
    metadata: dict[str, Any] = field(default_factory=dict)
    # tasks made from one scenario (AppWorld's generators): tables add scenario goal
    # completion, the share of scenarios whose every task succeeded
    scenario: str | None = None


@dataclass(frozen=True)
class Tool:
    """One action: `parameters` is a JSON schema of an object (its arguments)."""

    name: str
    description: str
    parameters: dict[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}, "required": []}
    )


@dataclass(frozen=True)
class Action:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepResult:
    observation: str
    done: bool = False  # the episode ended (e.g. the final answer was given)


@dataclass(frozen=True)
class Evaluation:
    score: float  # the benchmark's own measure, in [0, 1]
    success: bool
    details: dict[str, Any] = field(default_factory=dict)
    # the benchmark's other headline measures, by their tables' names (QA: EM and F1);
    # each becomes a `measure:<name>` column of the results and of every method table
    measures: dict[str, float] = field(default_factory=dict)


class Environment(ABC):
    name: str
    finish_tool: ClassVar[str]  # the tool that ends an episode; forced at the last step

    def __init__(self, config: EnvConfig, services: Services | None = None):
        self.config = config
        self.services = services or Services()

    @abstractmethod
    def tasks(self, split: str) -> list[Task]: ...

    @abstractmethod
    def reset(self, task: Task) -> str:
        """Start `task` in a fresh state; returns the task prompt for the agent."""

    @abstractmethod
    def tools(self) -> list[Tool]: ...

    @abstractmethod
    def step(self, action: Action) -> StepResult: ...

    @abstractmethod
    def evaluate(self) -> Evaluation:
        """Score the episode as it stands (also after the step limit)."""

    def example(self) -> str | None:
        """A worked example for the agent's system prompt: `example.md` beside the
        environment's module (a short task solved in the reply format), if there is one."""
        path = Path(inspect.getfile(type(self))).parent / "example.md"
        return path.read_text(encoding="utf-8").strip() if path.is_file() else None

    def close(self) -> None:  # noqa: B027 - most environments hold nothing to release
        """Release what the episode holds (a browser, a server)."""

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
