"""`fifo`: keep only the last N turns (the paper's FIFO baseline, N = 5)."""

from __future__ import annotations

from typing import Any

from acon.compression.base import Compacted, HistoryState, HistoryStrategy, register


@register("history", "fifo")
class Fifo(HistoryStrategy):
    def __init__(self, params: Any, services: Any = None):
        self.keep_turns = int(params.get("keep_turns", 5))

    def compact(self, state: HistoryState) -> Compacted:
        keep = max(self.keep_turns, state.keep_last)
        kept = state.turns[-keep:] if keep else []
        return Compacted(summary=None, turns=kept, detail={"dropped": len(state.turns) - len(kept)})
