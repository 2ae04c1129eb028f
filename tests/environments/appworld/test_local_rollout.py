"""One generated AppWorld task rolled out with the real local model (0.5B) through
acon.rollout: the whole path (engine server, agent, AppWorld evaluation) runs. The score
is recorded whatever it is: a 0.5B model rarely finishes a coding task."""

from __future__ import annotations

import json

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder

pytestmark = pytest.mark.integration


def test_a_generated_task_rolls_out_with_the_local_model(
    local_llm_ready, appworld_python, pack_root, tmp_path
):
    cfg = compose(
        [
            f"llm.cache.dir={tmp_path / 'responses'}",
            "env=appworld",
            f"env.python={appworld_python}",
            f"env.pack_dir={pack_root}",
            f"env.log_dir={tmp_path}",
            "agent.max_steps=3",  # execute, execute, then complete_task forced
            "llm.agent.max_tokens=192",
            "llm.agent.timeout_s=1200",  # 2 shared cores: a busy machine slows replies a lot
            "rollout.split=train",
            "rollout.task_ids=[gnote_1]",
        ]
    )
    with LLMSession(ModelSettings.of(cfg), tmp_path) as llms:
        table = rollout(RolloutSpec.of(cfg), RunFolder(tmp_path), llms).table
    row = json.loads((tmp_path / "results.jsonl").read_text())
    assert row["status"] == "finished", row.get("error")  # an outage is no result
    events = [json.loads(x) for x in (tmp_path / "trajectories/gnote_1.jsonl").open()]
    end = next(e for e in events if e["event"] == "end")
    print(
        "appworld gnote_1 with the 0.5B model:",
        row["score"],
        row["success"],
        row["end_reason"],
        row["steps"],
        end["evaluation"].get("passed"),
    )
    assert table.loc["all", "tasks"] == 1 and row["difficulty"] == "1"
    assert 0.0 <= row["score"] <= 1.0 and row["end_reason"] in ("finish", "step_limit")
    # the engine evaluated the episode: three tests, each passed or failed
    assert end["evaluation"]["num_tests"] == 3
    assert len(end["evaluation"]["passed"]) + len(end["evaluation"]["failed"]) == 3
    assert any(e["event"] == "agent_call" for e in events)
    assert (tmp_path / "appworld-server-0.log").exists()
