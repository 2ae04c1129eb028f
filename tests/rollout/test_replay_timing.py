"""A warm re-run replays every answer from the response cache: every timing column is
the live figure recorded with the answer (acon.metrics), so a replayed table is the live
one. A real live run against a slow scripted endpoint, and a real replay of it."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.llm.fake_server import FakeOpenAI
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder
from tests.rollout.test_resume import Slow
from tests.support import scripted_overrides

TIMINGS = (
    "agent_latency_s",
    "compressor_latency_s",
    "agent_wait_s",
    "compressor_wall_s",
    "task_wall_s",
)


def run(cfg, folder: RunFolder) -> dict[str, dict]:
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        rollout(RolloutSpec.of(cfg), folder, llms)
    return {r["task_id"]: r for r in folder.rows()}


def test_a_replayed_run_reports_the_live_timings(tmp_path):
    with FakeOpenAI(default=Slow(0.2)) as fake:
        cfg = compose(
            scripted_overrides(
                fake,
                tmp_path,
                "compression/observation=guideline",
                "agent.context.observation_threshold_tokens=20",
                "rollout.limit=2",
                "rollout.workers=1",
            )
        )
        live = run(cfg, RunFolder(tmp_path / "live"))
        asked = len(fake.requests)
        replayed = run(cfg, RunFolder(tmp_path / "replayed"))
        assert len(fake.requests) == asked  # every answer came from the cache
    assert live.keys() == replayed.keys() and len(live) == 2
    for task, row in live.items():
        assert row["compressor_calls"] > 0 and row["agent_wait_s"] > 0.15  # it waited, live
        for column in TIMINGS:  # the task's own time differs by what a live call adds
            # beside the model's (its cache write, a first connection): a few percent here
            near = pytest.approx(row[column], rel=0.1, abs=0.05)
            assert replayed[task][column] == near, (task, column)
