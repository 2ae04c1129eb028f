"""Each strategy that rewrites the history without a single summary (mask, hybrid, memento)
in a real rollout: the 0.5B model as agent (and compressor) on the facts benchmark, the
strategy firing from the second step. The tasks finish (scored, not errored) and every
compaction is recorded as the strategy's."""

from __future__ import annotations

import pytest

from acon.cli.rollout import run
from acon.config.composition import compose
from acon.run_folder import RunFolder
from acon.trajectory import read_events

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("strategy", "setting"), [
    ("mask", "compression.history.keep_turns=1"),
    ("hybrid", "compression.history.mask.keep_turns=1"),
    ("memento", "compression.history.keep_turns=1"),
])  # fmt: skip
def test_a_local_agent_works_on_with_the_strategy(local_cfg, tmp_path, strategy, setting):
    cfg = compose([f"llm.cache.dir={tmp_path / 'responses'}", f"compression/history={strategy}",
                   setting, "env.filler_lines=2", "agent.context.history_threshold_tokens=200",
                   "agent.max_steps=4", "rollout.limit=2", "tracking=off"])  # fmt: skip
    folder = RunFolder(tmp_path / "run")
    run(cfg, folder)
    rows = folder.rows()
    assert len(rows) == 2 and all(r["status"] == "finished" for r in rows)
    calls = [e for r in rows for e in read_events(folder.trajectory(r["task_id"]))
             if e["event"] == "compression"]  # fmt: skip
    assert calls and all(e["strategy"] == strategy for e in calls)
    assert sum(r["compressor_calls"] for r in rows) == len(calls)
    if strategy == "memento":  # each written memento stands as "Step(s) ...: ..."
        assert all(e["summary"].startswith("Step") for e in calls if e["ok"])


def test_a_local_agent_works_on_with_offloading(local_cfg, tmp_path):
    """Every lookup page is offloaded (gist and findings by the 0.5B compressor): each
    artifact is on disk byte for byte as the record holds it."""
    cfg = compose([f"llm.cache.dir={tmp_path / 'responses'}", "compression/observation=offload",
                   "env.filler_lines=4", "agent.context.observation_threshold_tokens=50",
                   "agent.max_steps=4", "rollout.limit=2", "tracking=off"])  # fmt: skip
    folder = RunFolder(tmp_path / "run")
    run(cfg, folder)
    rows = folder.rows()
    assert len(rows) == 2 and all(r["status"] == "finished" for r in rows)
    stored = [(r["task_id"], e) for r in rows for e in read_events(folder.trajectory(r["task_id"]))
              if e["event"] == "artifact"]  # fmt: skip
    assert stored
    for task_id, e in stored:
        path = folder.artifacts(task_id) / f"{e['id']}.txt"
        assert path.read_bytes() == e["text"].encode("utf-8")


def test_a_local_agent_works_on_while_its_history_compacts_in_the_background(local_cfg, tmp_path):
    cfg = compose([f"llm.cache.dir={tmp_path / 'responses'}", "compression/history=guideline",
                   "agent.context.background=true", "env.filler_lines=2",
                   "agent.context.history_threshold_tokens=200", "agent.max_steps=4",
                   "rollout.limit=2", "tracking=off"])  # fmt: skip
    folder = RunFolder(tmp_path / "run")
    run(cfg, folder)
    rows = folder.rows()
    assert len(rows) == 2 and all(r["status"] == "finished" for r in rows)
    calls = [e for r in rows for e in read_events(folder.trajectory(r["task_id"]))
             if e["event"] == "compression"]  # fmt: skip
    assert calls and all("background" in e for e in calls if e["ok"])
    assert all(e["waited_s"] <= e["wall_s"] + 1e-6 for e in calls)
