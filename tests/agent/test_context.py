"""The agent's context: when compression fires (agent.context), what a strategy sees, and
what the context becomes; which compressor failures are the method's and which are not."""

from __future__ import annotations

import pytest

from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryStrategy,
    ObservationStrategy,
)
from acon.llm.client import LLMCallError
from acon.tokens import count_messages, count_text
from tests.support import agent_context, fill, history_tokens_after


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


@pytest.mark.parametrize(
    ("offset", "fires"), [(+1, False), (0, False), (-1, True)], ids=["below", "at", "above"]
)
def test_history_compression_fires_only_above_the_threshold(offset, fires):
    threshold = history_tokens_after(3) + offset
    strategy = Recording()
    ctx = agent_context(threshold=threshold, history=strategy)
    fill(ctx, 3)
    assert bool(strategy.states) is fires
    assert (ctx.summary is not None) is fires


def test_running_token_count_matches_a_full_recount():
    strategy = Recording()
    ctx = agent_context(threshold=history_tokens_after(4) - 1, history=strategy)
    fill(ctx, 6)
    assert ctx.tokens == count_messages(ctx.messages())
    assert ctx.history_tokens == count_messages(ctx.messages()[1:]) - 3


def test_last_pairs_stay_raw_and_the_task_is_kept():
    strategy = Recording()
    ctx = agent_context(threshold=history_tokens_after(3) - 1, keep_last=2, history=strategy)
    fill(ctx, 3)
    messages = ctx.messages()
    assert messages[0]["role"] == "system" and messages[1]["content"] == "the task"
    assert messages[2]["content"].startswith("Summary of your earlier steps:\nsummary of 1 turns")
    assert [m["content"] for m in messages[3::2]] == ["action 2", "action 3"]
    assert len(messages) == 3 + 4


def test_context_drops_after_compression():
    threshold = history_tokens_after(3) - 1
    ctx = agent_context(threshold=threshold, history=Recording())
    fill(ctx, 2)
    assert ctx.record.compressions == []
    ctx.add(3, "action 3", "some observation text " * 5 + " 3")
    (entry,) = ctx.record.compressions
    assert entry.in_tokens > threshold > entry.out_tokens == ctx.history_tokens


def test_empty_history_is_never_compressed():
    strategy = Recording()
    ctx = agent_context(threshold=0, history=strategy)
    assert ctx.history_tokens > 0 and strategy.states == []
    assert len(ctx.messages()) == 2


METHOD_FAILURES = [
    CompressionError("garbage"),
    LLMCallError("longer than the compressor's window", kind="context_overflow"),
]


@pytest.mark.parametrize("exc", METHOD_FAILURES, ids=["garbage", "overflow"])
def test_a_failing_history_compressor_leaves_the_context_and_is_counted(exc):
    ctx = agent_context(threshold=0, history=Failing(exc))
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
    ctx = agent_context(observation=Shorten(), obs_threshold=threshold)
    ctx.add(1, "act", observation)
    assert (ctx.turns[0].observation == observation[:20]) is fires
    assert len(ctx.record.compressions) == int(fires)


@pytest.mark.parametrize("kind", ["connection", "auth", "bad_request", "server", None])
def test_a_compressor_endpoint_failure_is_not_the_methods_and_is_raised(kind):
    """An outage must not pass as the method's failure (the task would go on uncompressed
    and be scored): it propagates, and the task ends errored (tests/agent/test_react.py)."""
    exc = LLMCallError("Could not reach the compressor endpoint", kind=kind)
    ctx = agent_context(threshold=0, history=Failing(exc))
    with pytest.raises(LLMCallError):
        fill(ctx, 1)
    ctx = agent_context(observation=Failing(exc), obs_threshold=1)
    with pytest.raises(LLMCallError):
        ctx.add(1, "act", "a long observation")


def test_a_failing_observation_compressor_keeps_the_raw_observation():
    ctx = agent_context(observation=Failing(CompressionError("empty")), obs_threshold=1)
    ctx.add(1, "act", "a long observation")
    assert ctx.turns[0].observation == "a long observation"
    assert ctx.record.compressions[0].ok is False


def test_both_compressions_at_once():
    ctx = agent_context(
        threshold=history_tokens_after(2) - 1,
        history=Recording(),
        observation=Shorten(),
        obs_threshold=5,
    )
    fill(ctx, 4, text="long " * 40)
    kinds = {c.kind for c in ctx.record.compressions}
    assert kinds == {"history", "observation"}
