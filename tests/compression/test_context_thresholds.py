"""When compression fires, what it sees, and what the agent's context becomes."""

from __future__ import annotations

import pytest

from acon.agent.context import AgentContext, ContextConfig
from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryStrategy,
    ObservationStrategy,
    Services,
)
from acon.compression.fifo import Fifo
from acon.compression.llm_summary import GuidelineHistory, GuidelineObservation
from acon.llm.client import LLMCallError
from acon.llm.scripted import ScriptedClient
from acon.tokens import count_messages, count_text


class Recording(HistoryStrategy):
    name = "recording"

    def __init__(self):
        self.states = []

    def compact(self, state):
        self.states.append(state)
        keep = state.turns[-state.keep_last :]
        return Compacted(summary=f"summary of {len(state.turns) - len(keep)} turns", turns=keep)


class Failing(HistoryStrategy, ObservationStrategy):
    name = "failing"

    def __init__(self, exc):
        self.exc = exc

    def compact(self, state):
        raise self.exc

    def compress(self, observation, task, last_action):
        raise self.exc


class Shorten(ObservationStrategy):
    name = "shorten"

    def compress(self, observation, task, last_action):
        return CompressedObservation(text=observation[:20])


class FakeLLMs:
    def __init__(self, client):
        self._client = client

    def client(self, role):
        assert role == "compressor"
        return self._client


def context(threshold=10_000, keep_last=1, history=None, observation=None, obs_threshold=50):
    return AgentContext(
        "system prompt", "the task", ContextConfig(threshold, keep_last, obs_threshold),
        history, observation,
    )  # fmt: skip


def fill(ctx, n, text="some observation text " * 5):
    for i in range(1, n + 1):
        ctx.add(i, f"action {i}", f"{text} {i}")


def history_tokens_after(n):
    ctx = context()
    fill(ctx, n)
    return ctx.history_tokens


@pytest.mark.parametrize(
    ("offset", "fires"), [(+1, False), (0, False), (-1, True)], ids=["below", "at", "above"]
)
def test_history_compression_fires_only_above_the_threshold(offset, fires):
    threshold = history_tokens_after(3) + offset
    strategy = Recording()
    ctx = context(threshold=threshold, history=strategy)
    fill(ctx, 3)
    assert bool(strategy.states) is fires
    assert (ctx.summary is not None) is fires


def test_running_token_count_matches_a_full_recount():
    strategy = Recording()
    ctx = context(threshold=history_tokens_after(4) - 1, history=strategy)
    fill(ctx, 6)
    assert ctx.tokens == count_messages(ctx.messages())
    assert ctx.history_tokens == count_messages(ctx.messages()[1:]) - 3


def test_last_pairs_stay_raw_and_the_task_is_kept():
    strategy = Recording()
    ctx = context(threshold=history_tokens_after(3) - 1, keep_last=2, history=strategy)
    fill(ctx, 3)
    messages = ctx.messages()
    assert messages[0]["role"] == "system" and messages[1]["content"] == "the task"
    assert messages[2]["content"].startswith("Summary of your earlier steps:\nsummary of 1 turns")
    assert [m["content"] for m in messages[3::2]] == ["action 2", "action 3"]
    assert len(messages) == 3 + 4


def test_context_drops_after_compression():
    threshold = history_tokens_after(3) - 1
    ctx = context(threshold=threshold, history=Recording())
    fill(ctx, 2)
    assert ctx.record.compressions == []
    ctx.add(3, "action 3", "some observation text " * 5 + " 3")
    (entry,) = ctx.record.compressions
    assert entry.in_tokens > threshold > entry.out_tokens == ctx.history_tokens


def test_empty_history_is_never_compressed():
    strategy = Recording()
    ctx = context(threshold=0, history=strategy)
    assert ctx.history_tokens > 0 and strategy.states == []
    assert len(ctx.messages()) == 2


@pytest.mark.parametrize("exc", [CompressionError("garbage"), LLMCallError("endpoint down")])
def test_a_failing_history_compressor_leaves_the_context_and_is_counted(exc):
    ctx = context(threshold=0, history=Failing(exc))
    fill(ctx, 2)
    assert ctx.summary is None and len(ctx.turns) == 2
    failures = [c for c in ctx.record.compressions if not c.ok]
    assert len(failures) == 2 and str(exc) in failures[0].error


@pytest.mark.parametrize(
    ("extra", "fires"), [(-1, False), (0, False), (1, True)], ids=["below", "at", "above"]
)
def test_observation_compression_threshold(extra, fires):
    observation = "word " * 60
    threshold = count_text(observation) - extra
    ctx = context(observation=Shorten(), obs_threshold=threshold)
    ctx.add(1, "act", observation)
    assert (ctx.turns[0].observation == observation[:20]) is fires
    assert len(ctx.record.compressions) == int(fires)


def test_a_failing_observation_compressor_keeps_the_raw_observation():
    ctx = context(observation=Failing(CompressionError("empty")), obs_threshold=1)
    ctx.add(1, "act", "a long observation")
    assert ctx.turns[0].observation == "a long observation"
    assert ctx.record.compressions[0].ok is False


def test_both_compressions_at_once():
    ctx = context(
        threshold=history_tokens_after(2) - 1,
        history=Recording(),
        observation=Shorten(),
        obs_threshold=5,
    )
    fill(ctx, 4, text="long " * 40)
    kinds = {c.kind for c in ctx.record.compressions}
    assert kinds == {"history", "observation"}


def test_fifo_keeps_the_last_n_turns():
    ctx = context(threshold=history_tokens_after(3) - 1, history=Fifo({"keep_turns": 2}))
    fill(ctx, 3)
    assert [t.index for t in ctx.turns] == [2, 3] and ctx.summary is None


def guideline_context(reply, mode="accumulate"):
    """A guideline strategy whose compressor answers `reply(n)` to its n-th call (from 1);
    the threshold makes it fire from the second turn on."""
    count = iter(range(1, 100))
    client = ScriptedClient(lambda messages, params: reply(next(count)))
    params = {"mode": mode, "guideline": {"name": "acon"}}
    strategy = GuidelineHistory(params, Services(llms=FakeLLMs(client)))
    return context(threshold=history_tokens_after(2) - 1, history=strategy), client


def summaries(n):
    return {"reasoning": "r", "summary": f"S{n}"}


def test_accumulate_mode_summarizes_the_previous_summary_and_newly_old_turns():
    ctx, client = guideline_context(summaries)
    fill(ctx, 3)
    first, second = (call[0][-1]["content"] for call in client.calls[:2])
    assert "Step 1 action" in first and "Step 2 action" not in first  # the last turn is raw
    assert "S1" in second and "Step 2 action" in second and "Step 1 action" not in second
    assert ctx.summary == f"S{len(client.calls)}" and [t.index for t in ctx.turns] == [3]
    assert client.calls[0][0][0]["content"].startswith("You compress the interaction history")


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
    strategy = GuidelineObservation({"guideline": {"name": "acon"}}, Services(FakeLLMs(client)))
    ctx = context(observation=strategy, obs_threshold=5)
    ctx.add(1, '{"action": "lookup"}', "boilerplate " * 30 + "city: Osaka")
    assert ctx.turns[0].observation == "city: Osaka"
    prompt = client.calls[0][0][-1]["content"]
    assert "the task" in prompt and "lookup" in prompt and "city: Osaka" in prompt
