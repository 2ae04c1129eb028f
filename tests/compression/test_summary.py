"""The summary strategies (guideline, prompting) in an agent's context: what the
compressor is sent, accumulate vs. rebuild, and garbage replies as counted failures."""

from __future__ import annotations

import pytest

from acon.compression.summary import (
    GuidelineHistory,
    GuidelineHistoryConfig,
    GuidelineObservation,
    GuidelineObservationConfig,
)
from acon.guidelines import load_guideline
from acon.llm.scripted import ScriptedClient
from acon.services import Services
from tests.support import OneRoleLLMs, agent_context, fill, history_tokens_after


def guideline_context(reply, mode="accumulate"):
    """A guideline strategy whose compressor answers `reply(n)` to its n-th call (from 1);
    the threshold makes it fire from the second turn on."""
    count = iter(range(1, 100))
    client = ScriptedClient(lambda messages, params: reply(next(count)))
    strategy = GuidelineHistory(
        GuidelineHistoryConfig(mode=mode), Services(llms=OneRoleLLMs(client))
    )
    return agent_context(threshold=history_tokens_after(2) - 1, history=strategy), client


def summaries(n):
    return {"reasoning": "r", "summary": f"S{n}"}


def test_accumulate_mode_summarizes_the_previous_summary_and_newly_old_turns():
    ctx, client = guideline_context(summaries)
    fill(ctx, 3)
    first, second = (call[0][-1]["content"] for call in client.calls[:2])
    assert "Step 1 action" in first and "Step 2 action" not in first  # the last turn is raw
    assert "S1" in second and "Step 2 action" in second and "Step 1 action" not in second
    assert ctx.summary == f"S{len(client.calls)}" and [t.index for t in ctx.turns] == [3]
    # the guideline is the system prompt: by default the paper's Prompting prompt
    assert client.calls[0][0][0]["content"] == load_guideline("history", "prompting").text


def test_rebuild_mode_summarizes_all_raw_turns_each_time():
    ctx, client = guideline_context(summaries, mode="rebuild")
    fill(ctx, 3)
    second = client.calls[1][0][-1]["content"]
    assert "Step 1 action" in second and "Step 2 action" in second
    assert "S1" not in second and "Step 3 action" not in second


@pytest.mark.parametrize(
    "reply", ["not json at all", {"reasoning": "r", "summary": ""}, {"unexpected": 1}]
)
def test_garbage_from_the_compressor_is_a_recorded_failure(reply):
    ctx, client = guideline_context(lambda n: reply)
    fill(ctx, 3)
    assert ctx.summary is None and len(ctx.turns) == 3
    assert [c.ok for c in ctx.record.compressions] == [False] * len(client.calls)
    assert len(client.calls) == 2


def test_observation_guideline_sends_the_frame_and_uses_the_refined_text():
    client = ScriptedClient([{"reasoning": "r", "observation": "city: Osaka"}])
    strategy = GuidelineObservation(GuidelineObservationConfig(), Services(OneRoleLLMs(client)))
    ctx = agent_context(observation=strategy, obs_threshold=5)
    ctx.add(1, '{"action": "lookup"}', "boilerplate " * 30 + "city: Osaka")
    assert ctx.turns[0].observation == "city: Osaka"
    prompt = client.calls[0][0][-1]["content"]
    assert "the task" in prompt and "lookup" in prompt and "city: Osaka" in prompt


@pytest.mark.integration
def test_a_small_local_compressor_closes_its_json_inside_a_tight_token_limit(local_cfg, tmp_path):
    """The 0.5B model asked to keep everything of a long history within 48 tokens: the
    schema's string bounds make llama.cpp close the JSON in time, so the reply parses
    (without them the reply is cut mid-string and the compression fails)."""
    from acon.compression.base import Turn
    from acon.compression.summary import GuidelineCompressor
    from acon.guidelines import Guideline
    from acon.llm import LLMSession, ModelSettings

    copy_all = "Copy every step below word for word, leaving nothing out."
    keep_all = Guideline(kind="history", name="keep-all", version=1, text=copy_all)
    passage = (
        "Doc 1(Title: Cool Hand Luke) Cool Hand Luke is a 1967 American prison drama "
        "film directed by Stuart Rosenberg, starring Paul Newman. "
    ) * 4
    turns = [Turn.make(i, f'{{"action": "search", "query": "q{i}"}}', passage) for i in range(3)]
    with LLMSession(ModelSettings.of(local_cfg), tmp_path) as llms:
        compressor = GuidelineCompressor(keep_all, llms.client("compressor"), max_tokens=48)
        summary, call = compressor.summarize("Answer: when was Cool Hand Luke made?", None, turns)
    assert call.finish_reason == "stop" and call.json()["summary"].strip() == summary and summary
