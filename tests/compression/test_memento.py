"""`memento`: the agent role writes one memento per block leaving the raw window; mementos
accumulate in order and are never rewritten."""

from __future__ import annotations

from acon.composition import compose
from acon.compression.memento import Memento, MementoConfig
from acon.llm.scripted import ScriptedClient
from acon.services import Services
from tests.support import OneRoleLLMs, agent_context, fill, history_tokens_after


def memento_context(threshold, keep_turns=1):
    count = iter(range(1, 100))
    client = ScriptedClient(
        lambda messages, params: {"reasoning": "r", "summary": f"M{next(count)}"}
    )
    strategy = Memento(
        MementoConfig(keep_turns=keep_turns), Services(llms=OneRoleLLMs(client, role="agent"))
    )
    return agent_context(threshold=threshold, history=strategy), client


def test_each_block_gets_one_memento_written_once_in_order():
    ctx, client = memento_context(threshold=history_tokens_after(2) - 1)
    fill(ctx, 4)
    # step 2: turn 1 leaves the window; step 3: turn 2; step 4: turn 3
    assert ctx.summary == "Step 1: M1\nStep 2: M2\nStep 3: M3"
    assert [t.index for t in ctx.turns] == [4]
    sent = [call[0][-1]["content"] for call in client.calls]
    assert "Step 1 action" in sent[0] and "Step 2 action" in sent[1]
    assert "Step 1 action" not in sent[1] and "M1" not in sent[1]  # its own block only
    # the agent's memento guideline is the system prompt
    assert client.calls[0][0][0]["content"].startswith("You are the agent itself")


def test_a_block_of_several_turns_is_one_memento():
    ctx, client = memento_context(threshold=history_tokens_after(3) - 1, keep_turns=1)
    fill(ctx, 3)
    assert ctx.summary == "Steps 1-2: M1" and len(client.calls) == 1


def test_memento_reads_its_guideline_from_config_and_names_the_agent_role():
    cfg = compose(["compression/history=memento"])
    assert cfg.compression.history.guideline.name == "memento"
    assert MementoConfig().llm_roles() == ("agent",)
