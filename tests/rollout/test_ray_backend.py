"""The Ray backend on a real local Ray instance with more workers than CPUs: every task is
run (none handed to an actor that cannot start), each row recorded once, the actors' calls
counted live; Ctrl-C stops it like the local backend, keeping every finished task's row."""

from __future__ import annotations

import json
import re
import signal
import subprocess

import pytest

from acon.llm.fake_server import FakeOpenAI
from acon.run_folder import RunFolder
from acon.tracking.usage import usage_by_role
from tests.rollout.test_resume import Slow, command, ended, rows_written, start, wait_for
from tests.support import scripted_overrides
from tests.support.brain import brain

pytest.importorskip("ray")


def test_more_workers_than_cpus_runs_every_task_and_counts_the_actors_calls(tmp_path):
    run = tmp_path / "run"
    with FakeOpenAI(default=brain) as fake:
        overrides = scripted_overrides(
            fake,
            tmp_path,
            "rollout/backend=ray",
            "rollout.limit=5",
            "rollout.workers=4",
            "rollout.backend.num_cpus=1",
        )
        # the old backend handed 3 of the 5 tasks to actors that never started: it hung
        proc = subprocess.run(command(run, *overrides), capture_output=True, text=True, timeout=240)
        asked = len(fake.requests)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert sorted(r["task_id"] for r in rows) == [f"test-00{i}" for i in range(5)]
    out = proc.stdout + proc.stderr
    assert "rollout.workers=4 is more than the Ray cluster can start at once" in out
    # the progress line counts the calls the actors made (it read 0 throughout before)
    counted = [int(n) for n in re.findall(r"\[\d/5\] .* \| (\d+) LLM calls", out)]
    assert len(counted) == 5 and counted == sorted(counted) and counted[-1] == asked > 0
    # the estimate-vs-actual table and MLflow read the actors' call logs too
    assert usage_by_role(*RunFolder(run).call_logs())["total"]["calls"] == asked


def test_ctrl_c_stops_a_ray_rollout_keeping_every_finished_row(tmp_path):
    run = tmp_path / "run"
    with FakeOpenAI(default=Slow(0.25)) as fake:
        proc = start(run, fake, tmp_path, "rollout/backend=ray", "rollout.backend.num_cpus=4")
        try:
            wait_for(lambda: rows_written(run) >= 1, seconds=180)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=180)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    finished = set(RunFolder(run).finished())
    assert ended(run) <= finished  # every task the benchmark scored has its row
    assert len(finished) < 12  # it stopped starting tasks
