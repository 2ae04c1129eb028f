"""Each strategy that rewrites the context without a single summary (mask, hybrid,
memento, offload) and background compaction, in a real rollout: the 0.5B model as agent
(and compressor) on the facts benchmark, the strategy firing from the second step. The
tasks finish (scored, not errored) and every compaction is recorded as the strategy's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from acon.cli.rollout import run
from acon.composition import compose
from acon.run_folder import RunFolder
from acon.trajectory import read_events

pytestmark = pytest.mark.integration
# short pages, and the history compacted from the second step on
SHORT = ("env.filler_lines=2", "agent.context.history_threshold_tokens=200")


def rollout(tmp_path: Path, *overrides: str) -> tuple[RunFolder, list[dict[str, Any]]]:
    """Two facts tasks of at most 4 steps with `overrides`: the run folder and every event,
    once both tasks finished."""
    cfg = compose(
        [
            f"llm.cache.dir={tmp_path / 'responses'}",
            *overrides,
            "agent.max_steps=4",
            "rollout.limit=2",
            "tracking=off",
        ]
    )
    folder = RunFolder(tmp_path / "run")
    run(cfg, folder)
    rows = folder.rows()
    assert len(rows) == 2 and all(r["status"] == "finished" for r in rows)
    events = [
        {**e, "task_id": r["task_id"]}
        for r in rows
        for e in read_events(folder.trajectory(r["task_id"]))
    ]
    assert sum(r["compressor_calls"] for r in rows) == sum(
        e["event"] == "compression" for e in events
    )
    return folder, events


@pytest.mark.parametrize(
    ("strategy", "setting"),
    [
        ("mask", "compression.history.keep_turns=1"),
        ("hybrid", "compression.history.mask.keep_turns=1"),
        ("memento", "compression.history.keep_turns=1"),
    ],
)
def test_a_local_agent_works_on_with_the_strategy(local_cfg, tmp_path, strategy, setting):
    _, events = rollout(tmp_path, f"compression/history={strategy}", setting, *SHORT)
    calls = [e for e in events if e["event"] == "compression"]
    assert calls and all(e["strategy"] == strategy for e in calls)
    if strategy == "memento":  # each written memento stands as "Step(s) ...: ..."
        assert all(e["summary"].startswith("Step") for e in calls if e["ok"])


def test_a_local_agent_works_on_with_offloading(local_cfg, tmp_path):
    """Every lookup page is offloaded (gist and findings by the 0.5B compressor): each
    artifact is on disk byte for byte as the record holds it."""
    folder, events = rollout(
        tmp_path,
        "compression/observation=offload",
        "env.filler_lines=4",
        "agent.context.observation_threshold_tokens=50",
    )
    stored = [e for e in events if e["event"] == "artifact"]
    assert stored
    for e in stored:
        path = folder.artifacts(e["task_id"]) / f"{e['id']}.txt"
        assert path.read_bytes() == e["text"].encode("utf-8")


def test_a_local_agent_works_on_while_its_history_compacts_in_the_background(local_cfg, tmp_path):
    _, events = rollout(
        tmp_path, "compression/history=guideline", "agent.context.background=true", *SHORT
    )
    calls = [e for e in events if e["event"] == "compression"]
    assert calls and all("background" in e for e in calls if e["ok"])
    assert all(e["waited_s"] <= e["wall_s"] + 0.5 for e in calls)  # wake-up slack
