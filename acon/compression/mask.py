"""`mask`: observation masking; `hybrid`: masking, then an LLM summary when still too long.

`mask`: Once the history passes its threshold, every turn older
than the last `keep_turns` keeps its action but its observation gives way to a one-line
placeholder; no model is called. OpenHands' ObservationMaskingCondenser does this, and a
study of agents on SWE-bench (Lindenbauer et al., 2025, "The Complexity Trap") found it as
good as LLM summaries at about half the cost. The raw observations stay in the trajectory
record (the agent calls that saw them), so nothing is lost to analysis.

`hybrid` (the same study's cheaper hybrid): masking first; only when the masked history is
still above the threshold does the guideline compressor summarize it (`guideline`'s
settings: the guideline, `mode`, `max_tokens`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from acon.compression.base import (
    Compacted,
    HistoryState,
    HistoryStrategy,
    SizedHistory,
    StrategyConfig,
    Turn,
    summary_message,
)
from acon.compression.summary import GuidelineHistory, GuidelineHistoryConfig
from acon.config.schemas import InvalidSetting, check_positive, schema
from acon.services import Services
from acon.tokens import count_message, count_text


@schema("compression/history", "mask")
@dataclass
class MaskConfig(StrategyConfig):
    _target_: str | None = "acon.compression.mask.Mask"
    keep_turns: int = 5  # the last N turns keep their observations
    placeholder: str = "[observation of step {step} omitted to save context]"

    def __post_init__(self) -> None:
        check_positive("keep_turns", self.keep_turns, zero=True)
        if "{step}" not in self.placeholder:
            raise InvalidSetting("placeholder", self.placeholder, "include {step}")

    def simulate(self, history: SizedHistory) -> None:
        """Turns before the last `keep_turns` keep their action; the observation becomes
        the placeholder. No model is called."""
        masked = history.action + count_text(self.placeholder.format(step=99)) + 8
        old, kept = history.split(max(self.keep_turns, history.keep_last))
        history.turns = [min(t, masked) for t in old] + kept


class Mask(HistoryStrategy):
    name, label, rank = "mask", "Observation masking", 20
    config: MaskConfig

    def compact(self, state: HistoryState) -> Compacted:
        keep = max(self.config.keep_turns, state.keep_last)
        older = len(state.turns) - keep
        turns, masked = [], 0
        for position, turn in enumerate(state.turns):
            placeholder = self.config.placeholder.format(step=turn.index)
            if position < older and turn.observation != placeholder:
                turn = Turn.make(turn.index, turn.action, placeholder)
                masked += 1
            turns.append(turn)
        if not masked:  # everything old is masked already: the context cannot shrink here
            return Compacted(state.summary, state.turns, detail={"skipped": True})
        return Compacted(summary=state.summary, turns=turns, detail={"masked": masked})


@schema("compression/history", "hybrid")
@dataclass
class HybridConfig(GuidelineHistoryConfig):
    _target_: str | None = "acon.compression.mask.Hybrid"
    mask: MaskConfig = field(default_factory=MaskConfig)

    def simulate(self, history: SizedHistory) -> None:
        self.mask.simulate(history)
        if history.tokens > history.threshold:
            super().simulate(history)


class Hybrid(HistoryStrategy):
    name, label, rank = "hybrid", "Hybrid (mask, then summary)", 30
    config: HybridConfig

    def __init__(self, config: HybridConfig, services: Services | None = None):
        super().__init__(config, services)
        self.mask = Mask(config.mask)
        self.summary = GuidelineHistory(config, services)

    def compact(self, state: HistoryState) -> Compacted:
        masked = self.mask.compact(state)
        turns = masked.turns
        if history_tokens(state.task, state.summary, turns) <= state.threshold_tokens:
            return masked
        summarized = self.summary.compact(dataclasses.replace(state, turns=turns))
        done = {"masked": masked.detail.get("masked", 0), **summarized.detail}
        if summarized.detail.get("skipped") and not done["masked"]:
            return summarized
        return dataclasses.replace(summarized, detail={**done, "skipped": False})


def history_tokens(task: str, summary: str | None, turns: list[Turn]) -> int:
    """What the agent's context counts after the system prompt (acon.agent.context)."""
    head = count_message({"role": "user", "content": task})
    return (
        head
        + (count_message(summary_message(summary)) if summary else 0)
        + sum(t.tokens for t in turns)
    )
