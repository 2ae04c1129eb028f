"""`fifo`: the last N turns, nothing else."""

from __future__ import annotations

from acon.compression.fifo import Fifo, FifoConfig
from tests.support import agent_context, fill, history_tokens_after


def test_fifo_keeps_the_last_n_turns():
    ctx = agent_context(
        threshold=history_tokens_after(3) - 1, history=Fifo(FifoConfig(keep_turns=2))
    )
    fill(ctx, 3)
    assert [t.index for t in ctx.turns] == [2, 3] and ctx.summary is None
