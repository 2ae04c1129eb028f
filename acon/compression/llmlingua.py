"""`llmlingua`: extractive keep-ratio compression, for the history and for observations.

Keeps the most informative `keep_ratio` of the tokens, in their original order, as scored
by acon/compression/lingua_scorer.py (offline: the local Qwen model's self-information;
with `scorer: llmlingua2`, LLMLingua-2 through the `llmlingua` package). A configured
llmlingua2 scorer that cannot run here (the extra missing, a model path that does not
exist, a hub id not cached while the hub is off) is refused when the config is checked,
with the fix; one that cannot load its model stops the run before its first task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from acon.compression.base import (
    Compacted,
    CompressedObservation,
    HistoryState,
    HistoryStrategy,
    ObservationStrategy,
    SizedHistory,
    SizedObservation,
    StrategyConfig,
)
from acon.compression.lingua_scorer import (
    DEFAULT_LLMLINGUA2,
    SCORERS,
    UNITS,
    LLMLingua2Compressor,
    ScoringCompressor,
    TextCompressor,
    TokenScorer,
    llmlingua2_problem,
    start_local_scorer,
)
from acon.config.schemas import InvalidSetting, check_choice, schema
from acon.errors import AconError
from acon.services import Services


class ScorerUnavailable(InvalidSetting, AconError):
    """`scorer: llmlingua2` that cannot run here. A setting to fix where the config is
    checked (the message names its key), and a user-fixable error wherever else a config
    is typed (acon-main's baselines), so every entry point stops with one sentence."""


@dataclass
class LinguaConfig(StrategyConfig):
    SETTING: ClassVar[str] = "compression.<kind>"  # the config key, for messages

    keep_ratio: float = 0.3  # the paper's LLMLingua setting
    # local_perplexity (offline, the default) or llmlingua2 (the llmlingua extra; model_name)
    scorer: str = "local_perplexity"
    unit: str = "word"  # word: a word's tokens kept or dropped together; token: each alone
    keep_digits: bool = True  # words holding digits first, as LLMLingua-2's force_reserve_digit
    model: str | None = None  # local_perplexity: a local model; null: the compressor's
    chunk_tokens: int = 1024  # local_perplexity: tokens scored per request
    overlap_tokens: int = 128  # and the context each chunk carries from the one before
    model_name: str = DEFAULT_LLMLINGUA2  # llmlingua2: a hub id or a local model folder
    device: str = "cpu"  # llmlingua2

    def llm_roles(self) -> tuple[str, ...]:
        # the scorer is the compressor role's local model unless `model` names one
        return () if self.model or self.scorer == "llmlingua2" else ("compressor",)

    def __post_init__(self) -> None:
        if not 0.0 < self.keep_ratio <= 1.0:
            raise InvalidSetting("keep_ratio", self.keep_ratio, "use a number in (0, 1], e.g. 0.3")
        check_choice("scorer", self.scorer, SCORERS)
        check_choice("unit", self.unit, UNITS)
        if self.scorer == "llmlingua2" and (
            problem := llmlingua2_problem(self.SETTING, self.model_name)
        ):
            raise ScorerUnavailable("scorer", self.scorer, problem)

    def _scored(self, tokens: float, calls: list[tuple[str, float, float]]) -> float:
        """`keep_ratio` of `tokens`; a local perplexity scorer reads them all (no reply)."""
        if self.llm_roles():
            calls.append((self.llm_roles()[0], tokens, 0.0))
        return tokens * self.keep_ratio

    def simulate(self, history: SizedHistory) -> None:
        old, kept = history.split(history.keep_last)
        if old:
            history.summary = self._scored(history.summary + sum(old), history.calls)
            history.turns = kept

    def simulate_observation(self, observation: SizedObservation) -> float:
        return self._scored(observation.tokens, observation.calls)


@schema("compression/history", "llmlingua")
@dataclass
class LinguaHistoryConfig(LinguaConfig):
    SETTING: ClassVar[str] = "compression.history"
    _target_: str | None = "acon.compression.llmlingua.LinguaHistory"


@schema("compression/observation", "llmlingua")
@dataclass
class LinguaObservationConfig(LinguaConfig):
    SETTING: ClassVar[str] = "compression.observation"
    _target_: str | None = "acon.compression.llmlingua.LinguaObservation"


def build_compressor(
    config: LinguaConfig, services: Services, scorer: TokenScorer | None = None
) -> TextCompressor:
    """The compressor `config` asks for; `scorer` replaces the local one (tests)."""
    if config.scorer == "llmlingua2":
        return LLMLingua2Compressor(
            config.model_name, config.keep_ratio, config.device, config.keep_digits, config.SETTING
        )
    scorer = scorer or start_local_scorer(
        services.llms, config.model, config.chunk_tokens, config.overlap_tokens
    )
    return ScoringCompressor(scorer, config.keep_ratio, config.unit, config.keep_digits)


class _Extractive:
    """What both strategies share: the keep-ratio compressor their config asks for."""

    services: Services  # set by the strategy base this is mixed into

    def __init__(
        self,
        config: LinguaConfig,
        services: Services | None = None,
        scorer: TokenScorer | None = None,
    ):
        super().__init__(config, services)  # type: ignore[call-arg]  # the strategy base's
        self.compressor = build_compressor(config, self.services, scorer)


class LinguaObservation(_Extractive, ObservationStrategy):
    """Keep the most informative `keep_ratio` of the observation's tokens."""

    name, label, rank = "llmlingua", "LLMLingua", 50

    def compress(self, observation: str, task: str, last_action: str) -> CompressedObservation:
        text, _ = self.compressor.compress(observation)
        return CompressedObservation(text=text)


class LinguaHistory(_Extractive, HistoryStrategy):
    """The previous summary and the older turns, compressed into the new summary; the
    last `keep_last` turns stay verbatim (accumulate semantics, as `guideline`)."""

    name, label, rank = "llmlingua", "LLMLingua", 50

    def compact(self, state: HistoryState) -> Compacted:
        recent = state.turns[len(state.turns) - state.keep_last :] if state.keep_last else []
        older = state.turns[: len(state.turns) - len(recent)]
        if not older:
            return Compacted(summary=state.summary, turns=state.turns, detail={"skipped": True})
        parts = [state.summary] if state.summary else []
        parts += [turn.text() for turn in older]
        summary, record = self.compressor.compress("\n\n".join(parts))
        return Compacted(
            summary=summary,
            turns=list(recent),
            detail={"compressed_turns": [t.index for t in older], **record},
        )
