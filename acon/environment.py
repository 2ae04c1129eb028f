"""The one small protocol every benchmark implements.

An environment owns its tasks, exposes tools (the actions an agent may take, with JSON
schemas for their arguments), applies one action at a time, and scores the finished
episode with the benchmark's own evaluation. The agent loop knows nothing else about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Task:
    id: str
    instruction: str
    difficulty: str | None = None  # the benchmark's level, for per-difficulty tables
    metadata: dict[str, Any] = field(default_factory=dict)


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


@runtime_checkable
class Environment(Protocol):
    name: str
    finish_tool: str  # the tool that ends an episode; forced at the last allowed step

    def tasks(self, split: str) -> list[Task]: ...

    def reset(self, task: Task) -> str:
        """Start `task` in a fresh state; returns the task prompt for the agent."""
        ...

    def tools(self) -> list[Tool]: ...

    def step(self, action: Action) -> StepResult: ...

    def evaluate(self) -> Evaluation:
        """Score the episode as it stands (also after a step limit or an error)."""
        ...

    def close(self) -> None: ...
