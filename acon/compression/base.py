"""What every compression strategy sees and returns.

History strategies shorten the agent's history once it passes its token threshold;
observation strategies shorten one long observation before it enters the history. A
strategy is a small class registered under a config name (`compression.history.strategy`,
`compression.observation.strategy`); `acon.agent.context` decides when to call it and
records what happened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from acon.errors import AconError
from acon.llm.client import ChatResult
from acon.tokens import count_message


class CompressionError(Exception):
    """The compressor failed or returned something unusable (empty, unparseable). The
    step goes on uncompressed and the failure is recorded and counted."""


@dataclass(frozen=True)
class Turn:
    """One agent step as it sits in the history: the reply and the observation it got."""

    index: int
    action: str
    observation: str
    tokens: int  # cl100k tokens of both messages, counted once when the turn is made

    @classmethod
    def make(cls, index: int, action: str, observation: str) -> Turn:
        """A turn with its token count (cl100k, framing included)."""
        turn = cls(index, action, observation, 0)
        return cls(index, action, observation, sum(count_message(m) for m in turn.messages()))

    def messages(self) -> list[dict[str, str]]:
        return [
            {"role": "assistant", "content": self.action},
            {"role": "user", "content": observation_message(self.observation)},
        ]

    def text(self) -> str:
        return f"Step {self.index} action:\n{self.action}\nObservation:\n{self.observation}"


def observation_message(observation: str) -> str:
    return f"Observation:\n{observation}"


@dataclass(frozen=True)
class HistoryState:
    """The history at the moment a strategy is called."""

    task: str
    summary: str | None  # the summary currently standing in for older turns
    turns: list[Turn]  # the turns in context after the summary
    all_turns: list[Turn]  # every turn since the start, uncompressed by history compression
    keep_last: int  # the last `keep_last` turns must stay raw


@dataclass(frozen=True)
class Compacted:
    """A strategy's new history: an optional summary, then the turns kept verbatim."""

    summary: str | None
    turns: list[Turn]
    call: ChatResult | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompressedObservation:
    text: str
    call: ChatResult | None = None


class HistoryStrategy(ABC):
    name: ClassVar[str]

    @abstractmethod
    def compact(self, state: HistoryState) -> Compacted:
        """Return the new history. Raise CompressionError when it cannot."""


class ObservationStrategy(ABC):
    name: ClassVar[str]

    @abstractmethod
    def compress(self, observation: str, task: str, last_action: str) -> CompressedObservation:
        """Return the shortened observation. Raise CompressionError when it cannot."""


# kind ("history" | "observation") -> config name -> factory(params, services)
_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {"history": {}, "observation": {}}


def register(kind: str, name: str) -> Callable[[type], type]:
    def add(cls: type) -> type:
        _REGISTRY[kind][name] = cls
        cls.name = name
        return cls

    return add


def registered(kind: str) -> list[str]:
    return sorted(_REGISTRY[kind])


def build(kind: str, params: Any, services: Any) -> Any:
    """The strategy `params.strategy` of `kind`, or None for `none`."""
    from acon.compression import strategies  # noqa: F401 - fills the registry

    name = params.get("strategy", "none")
    if name == "none":
        return None
    if name not in _REGISTRY[kind]:
        raise AconError(
            f"Unknown {kind} compression strategy {name!r}: use one of "
            f"none, {', '.join(registered(kind))} (compression.{kind}.strategy)."
        )
    return _REGISTRY[kind][name](params, services)


@dataclass
class Services:
    """What strategies may use: the run's LLM session (for the compressor role and the
    local servers it starts) and the run folder (for caches)."""

    llms: Any = None  # acon.llm.LLMSession
    run_dir: Any = None
