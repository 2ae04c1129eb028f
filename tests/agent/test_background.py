"""Background compaction (agent.context.background): the agent acts on while a history
compaction runs; its result is spliced in when ready, the turns added meanwhile kept raw;
past the hard threshold the agent waits; each compaction records how long the agent
would have waited and how long it did."""

from __future__ import annotations

import threading
import time

import pytest

from acon.agent.config import ContextConfig
from acon.agent.context import AgentContext
from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryStrategy,
    ObservationStrategy,
)
from acon.config.schemas import InvalidSetting
from acon.llm.client import LLMCallError
from acon.tokens import count_messages, count_text
from acon.trajectory import TaskRecord
from tests.support import fill, history_tokens_after


class Gated(HistoryStrategy):
    """Summarizes all but the last kept turn, once `release` is set."""

    name = "gated"

    def __init__(self, hold: bool = True, fail: Exception | None = None):
        self.release = threading.Event()
        self.started = threading.Event()
        self.states = []
        self.fail = fail
        if not hold:
            self.release.set()

    def compact(self, state):
        self.states.append(state)
        self.started.set()
        assert self.release.wait(10)
        if self.fail is not None:
            raise self.fail
        keep = state.turns[-state.keep_last :]
        summary = f"summary of steps {[t.index for t in state.turns[: -state.keep_last]]}"
        return Compacted(summary=summary, turns=keep)


def background_context(strategy, soft: int, hard: int | None = None) -> AgentContext:
    settings = ContextConfig(
        history_threshold_tokens=soft, hard_threshold_tokens=hard, keep_last=1, background=True
    )
    return AgentContext("system prompt", "the task", settings, strategy, None, TaskRecord("t"))


def wait_done(ctx: AgentContext) -> None:
    """Until the compaction under way has its result (the test's clock, not the agent's)."""
    ctx._pending.future.result(timeout=10)


def test_the_agent_acts_on_the_full_context_until_the_result_is_spliced_in():
    strategy = Gated()
    ctx = background_context(strategy, soft=history_tokens_after(3) - 1, hard=10_000)
    fill(ctx, 3)
    assert strategy.started.wait(5)
    fill_from(ctx, 4, 5)  # the compaction is still running: nothing changes, nothing waits
    assert ctx.summary is None
    assert [t.index for t in ctx.turns] == [1, 2, 3, 4, 5]
    assert [t.index for t in strategy.states[0].turns] == [1, 2, 3]  # its snapshot

    strategy.release.set()
    wait_done(ctx)
    fill_from(ctx, 6, 6)
    # spliced: the summary of the snapshot's old turns, its kept turn, then every turn
    # added since it started, raw
    assert ctx.summary == "summary of steps [1, 2]"
    assert [t.index for t in ctx.turns] == [3, 4, 5, 6]
    assert [t.observation for t in ctx.turns] == [t.observation for t in ctx.all_turns[2:]]
    (call,) = ctx.record.compressions
    assert call.ok and call.waited_s == 0.0 and call.wall_s > 0
    assert call.in_tokens == history_tokens_after(3)


def test_an_outage_after_the_task_ended_is_recorded_and_leaves_the_task_as_it_was():
    strategy = Gated(hold=False, fail=LLMCallError("down", kind="connection"))
    ctx = background_context(strategy, soft=history_tokens_after(3) - 1)
    fill(ctx, 3)
    ctx.close()  # the task's answer is in: nothing raises
    (call,) = ctx.record.compressions
    assert not call.ok and "down" in call.error and call.waited_s == 0.0


def test_past_the_hard_threshold_the_agent_waits_for_the_compaction():
    strategy = Gated()
    ctx = background_context(
        strategy, soft=history_tokens_after(3) - 1, hard=history_tokens_after(5) - 1
    )
    fill(ctx, 3)
    assert strategy.started.wait(5)
    fill_from(ctx, 4, 4)  # between the thresholds: the agent goes on
    adding = threading.Thread(target=fill_from, args=(ctx, 5, 5))
    adding.start()
    adding.join(0.3)
    assert adding.is_alive()  # past the hard threshold: step 5 waits for the compaction
    strategy.release.set()
    adding.join(10)
    assert not adding.is_alive()
    assert ctx.summary == "summary of steps [1, 2]"
    assert [t.index for t in ctx.turns] == [3, 4, 5]
    (call,) = ctx.record.compressions
    # it waited (how long depends on when its thread got the CPU); not longer than the
    # compaction ran, give or take the wake-up of a loaded machine
    assert 0 < call.waited_s <= call.wall_s + 0.5


def test_in_the_foreground_the_agent_waits_the_whole_compaction():
    class Slow(Gated):
        def compact(self, state):
            time.sleep(0.05)
            return super().compact(state)

    ctx = AgentContext(
        "system prompt",
        "the task",
        ContextConfig(history_threshold_tokens=history_tokens_after(3) - 1),
        Slow(hold=False),
        None,
        TaskRecord("t"),
    )
    fill(ctx, 3)
    (call,) = ctx.record.compressions
    assert call.wall_s >= 0.05
    assert call.wall_s <= call.waited_s <= call.wall_s + 0.5  # all of it, and no more


def test_a_compaction_still_running_when_the_task_ends_is_recorded_not_spliced():
    strategy = Gated()
    ctx = background_context(strategy, soft=history_tokens_after(3) - 1)
    fill(ctx, 3)
    strategy.release.set()
    ctx.close()
    assert ctx.summary is None and len(ctx.turns) == 3
    (call,) = ctx.record.compressions
    assert call.ok and call.waited_s == 0.0


def test_a_background_compressor_that_fails_leaves_the_context_and_is_counted():
    strategy = Gated(hold=False, fail=CompressionError("unparseable"))
    ctx = background_context(strategy, soft=history_tokens_after(3) - 1)
    fill(ctx, 3)
    wait_done(ctx)
    fill_from(ctx, 4, 4)
    assert ctx.summary is None and [t.index for t in ctx.turns][:4] == [1, 2, 3, 4]
    assert not ctx.record.compressions[0].ok


def test_a_background_compressor_outage_reaches_the_agent():
    strategy = Gated(hold=False, fail=LLMCallError("down", kind="connection"))
    ctx = background_context(strategy, soft=history_tokens_after(3) - 1)
    fill(ctx, 3)
    wait_done(ctx)
    with pytest.raises(LLMCallError):
        fill_from(ctx, 4, 4)


def test_a_hard_threshold_below_the_soft_one_is_refused():
    with pytest.raises(InvalidSetting, match="hard_threshold_tokens"):
        ContextConfig(history_threshold_tokens=1000, hard_threshold_tokens=500)
    assert ContextConfig(history_threshold_tokens=1000).hard_threshold == 1500


def fill_from(ctx: AgentContext, first: int, last: int) -> None:
    for i in range(first, last + 1):
        ctx.add(i, f"action {i}", f"{'some observation text ' * 5} {i}")


class GatedObservation(ObservationStrategy):
    """Shortens an observation to its first 20 characters, once `release` is set."""

    name = "gated-observation"

    def __init__(self):
        self.release = threading.Event()

    def compress(self, observation, task, last_action):
        assert self.release.wait(10)
        return CompressedObservation(text=observation[:20])


def observing_context(strategy, hard: int = 10_000) -> AgentContext:
    settings = ContextConfig(
        observation_threshold_tokens=10,
        history_threshold_tokens=hard,
        hard_threshold_tokens=hard,
        background=True,
    )
    return AgentContext("system prompt", "the task", settings, None, strategy, TaskRecord("t"))


LONG = "a long observation with many words " * 6


def test_an_observation_enters_raw_and_its_compressed_form_replaces_it_when_ready():
    strategy = GatedObservation()
    ctx = observing_context(strategy)
    first = ctx.add(1, "action 1", LONG)
    assert first.observation == LONG  # the agent acts on it raw meanwhile
    strategy.release.set()
    ctx._observing[0].future.result(timeout=10)
    ctx.add(2, "action 2", "short")
    assert [t.observation for t in ctx.turns] == [LONG[:20], "short"]
    assert ctx.history_tokens == count_messages(ctx.messages()[1:]) - 3  # counts follow
    (call,) = ctx.record.compressions
    assert call.kind == "observation" and call.waited_s == 0.0 and call.wall_s > 0


def test_past_the_hard_threshold_the_agent_waits_for_its_observations():
    strategy = GatedObservation()
    ctx = observing_context(strategy, hard=count_text(LONG) + 20)
    ctx.add(1, "action 1", LONG)  # below the hard threshold: no wait
    adding = threading.Thread(target=ctx.add, args=(2, "action 2", LONG))
    adding.start()
    adding.join(0.3)
    assert adding.is_alive()  # two raw observations pass it: step 2 waits
    strategy.release.set()
    adding.join(10)
    assert [t.observation for t in ctx.turns] == [LONG[:20], LONG[:20]]
    assert all(c.waited_s > 0 for c in ctx.record.compressions)


def test_a_history_splice_keeps_an_observation_compressed_meanwhile():
    history, observation = Gated(), GatedObservation()
    settings = ContextConfig(
        observation_threshold_tokens=10,
        keep_last=1,
        background=True,
        history_threshold_tokens=count_text(LONG),
        hard_threshold_tokens=10_000,
    )
    ctx = AgentContext("system prompt", "the task", settings, history, observation, TaskRecord("t"))
    ctx.add(1, "action 1", "short")
    ctx.add(2, "action 2", LONG)  # queued: the observation, then the history compaction
    assert history.started.wait(0.2) is False  # one worker: the observation first
    observation.release.set()
    assert history.started.wait(10)
    history.release.set()
    ctx._pending.future.result(timeout=10)
    ctx.add(3, "action 3", "short")
    # the kept turn 2 is the compressed one, not the raw snapshot the compaction saw
    assert ctx.summary == "summary of steps [1]"
    assert [t.observation for t in ctx.turns] == [LONG[:20], "short"]


def test_an_observation_outage_after_the_task_ended_is_recorded_not_raised():
    class Down(GatedObservation):
        def compress(self, observation, task, last_action):
            assert self.release.wait(10)
            raise LLMCallError("down", kind="connection")

    strategy = Down()
    ctx = observing_context(strategy)
    ctx.add(1, "action 1", LONG)
    strategy.release.set()
    ctx.close()  # the task's answer is in: nothing raises
    (call,) = ctx.record.compressions
    assert not call.ok and call.kind == "observation" and "down" in call.error
