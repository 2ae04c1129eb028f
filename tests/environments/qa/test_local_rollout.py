"""One 8-question QA task end to end with the real local model (see conftest): real BM25
search over the NQ gold passages, the ReAct agent on the 0.5B model, the rollout runner.
The score is whatever the model earns; it is printed and kept as a test property."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder

pytestmark = pytest.mark.integration


def test_one_qa_task_with_the_local_model(local_llm_ready, tmp_path, record_property):
    cfg = compose(
        [
            f"llm.cache.dir={tmp_path / 'responses'}",
            "env=qa",
            f"env.search.cache_dir={tmp_path / 'indexes'}",
            "rollout.task_ids=[test-000]",
            "llm.agent.max_tokens=256",  # bounds a rambling reply; 8 short answers fit
            # 8 steps, not the benchmark's 24, to bound the test's time on 2 shared cores; the
            # last step still forces the final answer, so the task is scored either way.
            "agent.max_steps=8",
        ]
    )
    if not Path(cfg.env.data_dir).is_dir():
        pytest.fail(f"the NQ data folder {cfg.env.data_dir} is missing")
    with LLMSession(ModelSettings.of(cfg), tmp_path) as llms:
        table = rollout(RolloutSpec.of(cfg), RunFolder(tmp_path), llms).table
    assert table.loc["all", "tasks"] == 1
    row = json.loads((tmp_path / "results.jsonl").read_text())
    assert row["status"] == "finished", row.get("error")  # an outage is no result
    events = [json.loads(line) for line in (tmp_path / "trajectories/test-000.jsonl").open()]
    assert events[-1]["event"] == "row"  # the results row closes the record (resume)
    end = events[-2]
    assert end["event"] == "end" and end["end_reason"] in {"finish", "step_limit"}
    details = end["evaluation"]
    assert len(details["em"]) == len(details["f1"]) == 8
    assert row["score"] == pytest.approx(details["mean_f1"]) and 0.0 <= row["score"] <= 1.0
    calls = [e for e in events if e["event"] == "agent_call"]
    assert 1 <= len(calls) <= cfg.agent.max_steps and all(c["provider_in"] > 0 for c in calls)
    if details["searches"]:  # the agent searched: the search results reached its context
        seen = [m["content"] for c in calls for _, m in c["new_messages"]]
        assert any(("Doc 1(Title: " in t or "No passage matches" in t) for t in seen)
    record_property("qa_score_mean_f1", row["score"])
    record_property("qa_mean_em", details["mean_em"])
    print(
        f"\nQA test-000 with the local 0.5B: mean F1 {row['score']:.3f}, mean EM "
        f"{details['mean_em']:.3f}, {len(calls)} steps, {details['searches']} searches, "
        f"answers {details['answers']}"
    )
