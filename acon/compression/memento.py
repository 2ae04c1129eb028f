"""`memento`: the agent closes each block of its work with a memento it writes itself.

After Memento (the model segments its own work into blocks and carries dense "mementos"
forward instead of the full trace). Here a block is the action-observation pairs that leave
the raw window together when the history passes its threshold; the agent role's model (not
the compressor's), in a call of its own, writes the block's memento following the `memento`
guideline, a guideline like any other (`compression.history.guideline`). Mementos are
append-only: each is written once and stands, in order, where its block was; the last
`keep_turns` turns stay raw."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.compression.base import Compacted, HistoryState, HistoryStrategy, SizedHistory
from acon.compression.summary import SummaryConfig, guideline_compressor
from acon.config.schemas import check_positive, schema
from acon.guidelines import GuidelineRef
from acon.services import Services


@schema("compression/history", "memento")
@dataclass
class MementoConfig(SummaryConfig):
    _target_: str | None = "acon.compression.memento.Memento"
    guideline: GuidelineRef = field(default_factory=lambda: GuidelineRef(name="memento"))
    keep_turns: int = 1  # the last N turns stay raw

    def llm_roles(self) -> tuple[str, ...]:
        return ("agent",)  # the agent writes its own mementos

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive("keep_turns", self.keep_turns, zero=True)

    def simulate(self, history: SizedHistory) -> None:
        """The block before the last `keep_turns` becomes one memento, written by the
        agent's model and appended to those before it (they stand: the summary grows)."""
        block, recent = history.split(max(self.keep_turns, history.keep_last))
        if not block:
            return
        prompt = self.prompt_tokens("history") + history.task + sum(block)
        history.calls.append((self.llm_roles()[0], prompt, history.reply))
        framing = 1 if history.summary else 8  # a new line, or the summary message's frame
        history.summary, history.turns = history.summary + history.reply + framing, recent


class Memento(HistoryStrategy):
    name, label, rank = "memento", "Memento", 70
    config: MementoConfig

    def __init__(self, config: MementoConfig, services: Services | None = None):
        super().__init__(config, services)
        self.compressor = guideline_compressor("history", config, self.services, role="agent")
        self.guideline = self.compressor.guideline

    def compact(self, state: HistoryState) -> Compacted:
        keep = max(self.config.keep_turns, state.keep_last)
        block, recent = (
            state.turns[: len(state.turns) - keep],
            state.turns[len(state.turns) - keep :],
        )
        if not block:
            return Compacted(summary=state.summary, turns=state.turns, detail={"skipped": True})
        memento, call = self.compressor.summarize(state.task, None, block)
        first, last = block[0].index, block[-1].index
        entry = f"Steps {first}-{last}: {memento}" if first != last else f"Step {first}: {memento}"
        mementos = f"{state.summary}\n{entry}" if state.summary else entry
        return Compacted(
            summary=mementos,
            turns=list(recent),
            call=call,
            detail={"block": [t.index for t in block]},
        )
