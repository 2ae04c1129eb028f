"""What a strategy's config knows for the cost estimate (its `simulate` and
`simulate_observation`), checked against the strategy itself: every option of both
groups has one; the model-free strategies shrink a real history to the sizes their own
`compact` produces; each model call is charged to the role the strategy declares."""

from __future__ import annotations

import pytest

from acon.compression.base import HistoryState, SizedHistory, SizedObservation, Turn
from acon.compression.fifo import Fifo, FifoConfig
from acon.compression.mask import Mask, MaskConfig
from acon.compression.memento import MementoConfig
from acon.compression.offload import OffloadConfig
from acon.compression.summary import GuidelineHistoryConfig
from acon.config.schemas import options
from acon.tokens import count_message, count_text

TASK = "the task"
# the simulation sizes a turn as action + observation + 8 (two messages' framing); a real
# observation message also carries its "Observation:" line
PREFIX = count_text("Observation:\n")


def real_history(n: int = 6) -> tuple[HistoryState, SizedHistory]:
    turns = [Turn.make(i, f"action {i}", f"observation text {i} " * 30) for i in range(1, n + 1)]
    state = HistoryState(TASK, None, turns, list(turns), keep_last=1, threshold_tokens=100)
    sized = SizedHistory(
        task=count_message({"role": "user", "content": TASK}),
        summary=0,
        turns=[float(t.tokens) for t in turns],
        keep_last=1,
        threshold=100,
        action=count_text("action 1"),
        reply=30,
    )
    return state, sized


@pytest.mark.parametrize("group", ["compression/history", "compression/observation"])
def test_every_option_can_be_sized(group):
    for name, schema in options(group).items():
        config = schema()
        if group == "compression/history":
            _, sized = real_history()
            config.simulate(sized)  # raises NotImplementedError for a strategy without one
            assert sized.tokens <= real_history()[1].tokens, name
        else:
            sized = SizedObservation(tokens=2000, task=50, action=10, reply=30)
            assert config.simulate_observation(sized) <= 2000, name
        charged = {role for role, _, _ in sized.calls}
        assert charged <= set(config.llm_roles()), f"{name} charges undeclared roles {charged}"


MODEL_FREE = [Fifo(FifoConfig(keep_turns=2)), Mask(MaskConfig(keep_turns=2))]


@pytest.mark.parametrize("strategy", MODEL_FREE, ids=["fifo", "mask"])
def test_a_model_free_strategy_is_sized_as_it_compacts(strategy):
    state, sized = real_history()
    compacted = strategy.compact(state)
    strategy.config.simulate(sized)
    real = [t.tokens for t in compacted.turns]
    assert len(sized.turns) == len(real) and sized.calls == []
    for predicted, tokens in zip(sized.turns, real, strict=True):
        assert tokens - PREFIX <= predicted <= tokens, (sized.turns, real)
    assert sum(real) < sum(t.tokens for t in state.turns)  # it did shrink


def test_memento_is_written_by_the_agent_and_mementos_accumulate():
    _, sized = real_history()
    config = MementoConfig(keep_turns=2)
    config.simulate(sized)
    ((role, prompt, reply),) = sized.calls
    assert (role, reply, len(sized.turns), sized.summary) == ("agent", 30, 2, 30 + 8)
    sized.turns += [400.0, 400.0]
    config.simulate(sized)
    assert sized.summary == 30 + 8 + 30 + 1  # the new memento stands after the first


def test_a_summary_is_charged_to_the_compressor_and_offload_by_head_calls_no_model():
    _, sized = real_history()
    GuidelineHistoryConfig().simulate(sized)
    ((role, prompt, reply),) = sized.calls
    assert role == "compressor" and prompt > sum(real_history()[1].turns[:-1])
    observation = SizedObservation(tokens=2000, task=50, action=10, reply=30)
    assert OffloadConfig(gist="head").simulate_observation(observation) == 30
    assert observation.calls == []
