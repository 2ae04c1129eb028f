"""`mask`: observation masking. Once the history passes its threshold, every turn older
than the last `keep_turns` keeps its action but its observation gives way to a one-line
placeholder; no model is called. OpenHands' ObservationMaskingCondenser does this, and a
study of agents on SWE-bench (Lindenbauer et al., 2025, "The Complexity Trap") found it as
good as LLM summaries at about half the cost. The raw observations stay in the trajectory
record (the agent calls that saw them), so nothing is lost to analysis."""

from __future__ import annotations

from dataclasses import dataclass

from acon.compression.base import Compacted, HistoryState, HistoryStrategy, StrategyConfig, Turn
from acon.config.schemas import InvalidSetting, check_positive, schema


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


class Mask(HistoryStrategy):
    name, label = "mask", "Observation masking"
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
