"""The Ray backend on a real local Ray instance with more workers than CPUs: every task is
run (none handed to an actor that cannot start), each row recorded once."""

from __future__ import annotations

import json
import subprocess

import pytest

from acon.llm.fake_server import FakeOpenAI
from tests.rollout.test_resume import command
from tests.support import scripted_overrides
from tests.support.brain import brain


def test_more_workers_than_cpus_runs_every_task(tmp_path):
    pytest.importorskip("ray")
    run = tmp_path / "run"
    with FakeOpenAI(default=brain) as fake:
        overrides = scripted_overrides(
            fake, tmp_path, "rollout/backend=ray", "rollout.limit=5", "rollout.workers=4",
            "rollout.backend.num_cpus=1")  # fmt: skip
        # the old backend handed 3 of the 5 tasks to actors that never started: it hung
        proc = subprocess.run(command(run, *overrides), capture_output=True, text=True,
                              timeout=240)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert sorted(r["task_id"] for r in rows) == [f"test-00{i}" for i in range(5)]
    assert "rollout.workers=4 is more than the Ray cluster can start at once" in (
        proc.stdout + proc.stderr)  # fmt: skip
