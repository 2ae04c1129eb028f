"""`mask`: old observations become placeholders, actions and recent turns stay as they were,
and the record keeps every raw observation."""

from __future__ import annotations

import pytest

from acon.cli.rollout import run
from acon.composition import compose
from acon.compression.base import Turn
from acon.compression.mask import Hybrid, HybridConfig, Mask, MaskConfig
from acon.config.schemas import InvalidSetting
from acon.llm.scripted import ScriptedClient
from acon.run_folder import RunFolder
from acon.services import Services
from acon.trajectory import read_events, replay_inputs
from tests.support import (
    OneRoleLLMs,
    agent_context,
    fill,
    history_tokens_after,
    scripted_overrides,
)

OMITTED = "[observation of step {} omitted to save context]"


def test_old_observations_are_masked_and_actions_kept():
    ctx = agent_context(
        threshold=history_tokens_after(4) - 1, history=Mask(MaskConfig(keep_turns=2))
    )
    fill(ctx, 4)
    assert [t.index for t in ctx.turns] == [1, 2, 3, 4] and ctx.summary is None
    assert [t.action for t in ctx.turns] == ["action 1", "action 2", "action 3", "action 4"]
    assert [t.observation for t in ctx.turns[:2]] == [OMITTED.format(1), OMITTED.format(2)]
    assert ctx.turns[3].observation.endswith(" 4") and ctx.turns[2].observation.endswith(" 3")
    assert ctx.history_tokens < history_tokens_after(4)  # the running count follows
    (call,) = ctx.record.compressions
    assert (call.strategy, call.ok, call.out_tokens < call.in_tokens) == ("mask", True, True)


def test_nothing_left_to_mask_is_not_a_compression():
    ctx = agent_context(threshold=1, history=Mask(MaskConfig(keep_turns=1)))
    fill(ctx, 3)  # above the threshold at every step; turns 1 and 2 masked once each
    assert [c.step for c in ctx.record.compressions] == [2, 3]
    assert [t.observation for t in ctx.turns] == [
        OMITTED.format(1),
        OMITTED.format(2),
        ctx.turns[2].observation,
    ]
    assert "omitted" not in ctx.turns[2].observation


def test_the_last_turns_the_agent_must_see_raw_are_never_masked():
    ctx = agent_context(threshold=1, keep_last=3, history=Mask(MaskConfig(keep_turns=0)))
    fill(ctx, 4)
    assert ["omitted" in t.observation for t in ctx.turns] == [True, False, False, False]


def test_a_rollout_masks_what_the_agent_sees_and_records_every_raw_observation(fake, tmp_path):
    """The facts benchmark with the scripted agent: later inputs carry placeholders, while
    each observation entered the record raw when the agent first saw it."""
    more = [
        "compression/history=mask",
        "compression.history.keep_turns=1",
        "agent.context.history_threshold_tokens=150",
        "rollout.limit=2",
        "tracking=off",
    ]
    cfg = compose(scripted_overrides(fake, tmp_path, *more))
    folder = RunFolder(tmp_path / "run")
    run(cfg, folder)
    masked_tasks = 0
    for row in folder.rows():
        events = read_events(folder.trajectory(row["task_id"]))
        inputs = replay_inputs(events)
        calls = [e for e in events if e["event"] == "compression"]
        assert all(e["strategy"] == "mask" and e["ok"] for e in calls)
        masked_tasks += bool(calls)
        if calls:  # the last input shows placeholders for the old observations
            shown = [m["content"] for m in inputs[-1] if m["role"] == "user"]
            assert any("[observation of step 1 omitted" in c for c in shown)
        # every step's observation entered the record raw, in the next step's input
        for step_input in inputs[1:]:
            newest = [m["content"] for m in step_input if m["content"].startswith("Observation")]
            assert "omitted" not in newest[-1]
    assert masked_tasks >= 1


def test_the_placeholder_must_name_the_step():
    with pytest.raises(InvalidSetting):
        MaskConfig(placeholder="[gone]")


def test_mask_is_a_config_option():
    cfg = compose(["compression/history=mask", "compression.history.keep_turns=3"])
    assert cfg.compression.history.keep_turns == 3


def hybrid_context(threshold, keep_turns=1):
    """A hybrid strategy whose compressor answers S1, S2, ... and records what it was sent."""
    count = iter(range(1, 100))
    client = ScriptedClient(
        lambda messages, params: {"reasoning": "r", "summary": f"S{next(count)}"}
    )
    config = HybridConfig(mask=MaskConfig(keep_turns=keep_turns))
    strategy = Hybrid(config, Services(llms=OneRoleLLMs(client)))
    return agent_context(threshold=threshold, history=strategy), client


def test_hybrid_masks_first_and_calls_no_model_while_that_is_enough():
    masked = Turn.make(1, "action 1", OMITTED.format(1)).tokens
    ctx, client = hybrid_context(threshold=history_tokens_after(1) + 2 * masked + 2)
    fill(ctx, 3)
    assert client.calls == [] and ctx.summary is None
    assert ["omitted" in t.observation for t in ctx.turns] == [True, True, False]
    assert {c.strategy for c in ctx.record.compressions} == {"hybrid"}


def test_hybrid_summarizes_what_masking_could_not_bring_under_the_threshold():
    ctx, client = hybrid_context(threshold=history_tokens_after(1) - 1)  # below one raw turn
    fill(ctx, 3)
    assert client.calls, "the compressor was never asked"
    sent = client.calls[0][0][-1]["content"]
    assert "omitted to save context" in sent  # it summarized the masked history
    assert ctx.summary is not None and ctx.summary.startswith("S")
    details = [e.in_tokens > e.out_tokens for e in ctx.record.compressions]
    assert details and all(details)
