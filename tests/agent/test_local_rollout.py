"""The real local model as agent and compressor, history compression on (see conftest)."""

from __future__ import annotations

import json

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder

pytestmark = pytest.mark.integration


def test_history_compression_with_the_local_model_drops_the_context(local_llm_ready, tmp_path):
    cfg = compose(
        [
            f"llm.cache.dir={tmp_path / 'responses'}",
            "compression/history=guideline",
            "agent.context.history_threshold_tokens=400",  # passed after the first lookup
            "agent.context.keep_last=0",  # so that first lookup can be summarized at once
            "env.filler_lines=8",
            "agent.max_steps=3",
            "llm.agent.max_tokens=120",
            "rollout.task_ids=[test-002]",  # three facts: the agent has to look several up
        ]
    )
    with LLMSession(ModelSettings.of(cfg), tmp_path) as llms:
        table = rollout(RolloutSpec.of(cfg), RunFolder(tmp_path), llms).table
    events = [json.loads(line) for line in (tmp_path / "trajectories/test-002.jsonl").open()]
    calls = {e["step"]: e for e in events if e["event"] == "agent_call"}
    compressions = [e for e in events if e["event"] == "compression" and e["ok"]]
    assert compressions, "the history passed its threshold but was never compressed"
    first = compressions[0]
    assert first["kind"] == "history" and first["summary"]
    assert first["out_tokens"] < first["in_tokens"]
    # the agent's next input, past its system prompt, is smaller than the history it replaced
    after = calls[first["step"] + 1]
    assert after["in_tokens"] - after["system_tokens"] < first["in_tokens"]
    assert first["provider_in"] > 0 and first["latency_s"] > 0
    row = json.loads((tmp_path / "results.jsonl").read_text())
    assert row["status"] == "finished", row.get("error")  # an outage is no result
    assert row["history_compressions"] >= 1 and 0.0 <= row["score"] <= 1.0
    assert table.loc["all", "tasks"] == 1
