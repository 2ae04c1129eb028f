"""`fifo`: keep only the last N turns (the paper's FIFO baseline, N = 5)."""

from __future__ import annotations

from dataclasses import dataclass

from acon.compression.base import (
    Compacted,
    HistoryState,
    HistoryStrategy,
    SizedHistory,
    StrategyConfig,
)
from acon.config.schemas import check_positive, schema


@schema("compression/history", "fifo")
@dataclass
class FifoConfig(StrategyConfig):
    _target_: str | None = "acon.compression.fifo.Fifo"
    keep_turns: int = 5  # the paper's N

    def __post_init__(self) -> None:
        check_positive("keep_turns", self.keep_turns, zero=True)

    def simulate(self, history: SizedHistory) -> None:
        keep = max(self.keep_turns, history.keep_last)
        history.summary, history.turns = 0, history.turns[-keep:] if keep else []


class Fifo(HistoryStrategy):
    name, label, rank = "fifo", "FIFO", 10
    config: FifoConfig

    def compact(self, state: HistoryState) -> Compacted:
        keep = max(self.config.keep_turns, state.keep_last)
        kept = state.turns[-keep:] if keep else []
        return Compacted(summary=None, turns=kept, detail={"dropped": len(state.turns) - len(kept)})
