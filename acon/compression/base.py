"""What every compression strategy sees and returns.

History strategies shorten the agent's history once it passes its token threshold;
observation strategies shorten one long observation before it enters the history. A
strategy is a small class with a typed config (a `StrategyConfig` whose `_target_` names
it), chosen by config group (`compression/history=fifo`) and built with the run's
services (`acon.config.build`). When to call it is the agent's business
(`agent.context`, acon.agent.context), and so is recording what happened.

Adding a strategy is one module in this package (its config, with `@schema`, and its
class) and one YAML file in `conf/compression/<kind>/`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from acon.config.schemas import schema
from acon.llm.client import ChatResult
from acon.services import Services
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


def summary_message(summary: str) -> dict[str, str]:
    """How a history summary stands in the agent's context (and in an exported agent's)."""
    return {"role": "user", "content": f"Summary of your earlier steps:\n{summary}"}


@dataclass
class SizedHistory:
    """A history as the cost estimate steps through it (acon.estimate.simulate): token
    sizes, no text. A history strategy's config `simulate`s its compaction on it the way
    the strategy compacts text, and records each model call that would make."""

    task: float
    summary: float  # the summary message's tokens (0: none)
    turns: list[float]  # each turn's tokens, oldest first
    keep_last: int
    threshold: int
    action: float  # one turn's action tokens
    reply: float  # one model reply that compresses (the profile's `summary_tokens`)
    calls: list[tuple[str, float, float]] = field(default_factory=list)  # (role, in, out)

    @property
    def tokens(self) -> float:
        return self.task + self.summary + sum(self.turns)

    def split(self, keep: int) -> tuple[list[float], list[float]]:
        """(the turns before the last `keep`, the last `keep`)."""
        cut = max(len(self.turns) - keep, 0)
        return self.turns[:cut], self.turns[cut:]


@dataclass
class SizedObservation:
    """One long observation as the estimate sees it (tokens), and the calls compressing
    it would make."""

    tokens: float
    task: float
    action: float
    reply: float
    calls: list[tuple[str, float, float]] = field(default_factory=list)  # (role, in, out)


@dataclass
class StrategyConfig:
    """Base of every strategy's schema. `_target_` null builds nothing (no compression).

    A strategy's config says what is known about the strategy without running it: the
    model roles it calls (`llm_roles`: part of the rollout key; a strategy that calls a
    model it has not declared fails the contract test) and how it changes a history's or an
    observation's size for the cost estimate (`simulate`, `simulate_observation`)."""

    _target_: str | None = None

    def llm_roles(self) -> tuple[str, ...]:
        """LLM roles whose answers change what the strategy produces (the rollout key)."""
        return ()

    def simulate(self, history: SizedHistory) -> None:
        """Compact `history` in place as the strategy would, past its threshold."""
        raise NotImplementedError(f"{type(self).__name__} has no history simulation")

    def simulate_observation(self, observation: SizedObservation) -> float:
        """The tokens a long observation takes in the context after the strategy."""
        raise NotImplementedError(f"{type(self).__name__} has no observation simulation")


@schema("compression/history", "none")
@dataclass
class NoHistoryCompression(StrategyConfig):
    """The agent sees its whole history."""

    def simulate(self, history: SizedHistory) -> None:
        pass


@schema("compression/observation", "none")
@dataclass
class NoObservationCompression(StrategyConfig):
    """Observations enter the history raw."""

    def simulate_observation(self, observation: SizedObservation) -> float:
        return observation.tokens


@dataclass(frozen=True)
class HistoryState:
    """The history at the moment a strategy is called."""

    task: str
    summary: str | None  # the summary currently standing in for older turns
    turns: list[Turn]  # the turns in context after the summary
    all_turns: list[Turn]  # every turn since the start, uncompressed by history compression
    keep_last: int  # the last `keep_last` turns must stay raw
    # the history threshold that fired (cl100k tokens after the system prompt): a strategy
    # that shrinks in stages (hybrid) checks it between them
    threshold_tokens: int = 0


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
    # offloading: the raw observation goes to the task's artifact store, `text` is its
    # gist, and `facts` join the context's FactSet (acon.compression.offload)
    offloaded: bool = False
    facts: tuple[str, ...] = ()


class HistoryStrategy(ABC):
    name: ClassVar[str]  # recorded with each compressor call ("fifo", "guideline")
    label: ClassVar[str]  # the method's name in tables ("FIFO", "Prompting")
    # its rows' place among a kind's methods in the tables (lower first): the paper's order,
    # the rule-based baselines, then the guideline's rows, Acon last (acon.compression.labels)
    rank: ClassVar[int]

    def __init__(self, config: StrategyConfig | None = None, services: Services | None = None):
        self.config = config
        self.services = services or Services()

    @abstractmethod
    def compact(self, state: HistoryState) -> Compacted:
        """Return the new history. Raise CompressionError when it cannot."""


class ObservationStrategy(ABC):
    name: ClassVar[str]
    label: ClassVar[str]
    rank: ClassVar[int]  # as HistoryStrategy's
    offloads: ClassVar[bool] = False  # the agent gets an artifact store and read_artifact

    def __init__(self, config: StrategyConfig | None = None, services: Services | None = None):
        self.config = config
        self.services = services or Services()

    @abstractmethod
    def compress(self, observation: str, task: str, last_action: str) -> CompressedObservation:
        """Return the shortened observation. Raise CompressionError when it cannot."""
