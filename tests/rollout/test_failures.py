"""Failures are not results: a task cut short by infrastructure is recorded as errored,
left out of every mean, run again by the next rollout into the same folder, and a failure
that would hit every task stops the run at once (the scripted endpoint, tests/support)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.llm.fake_server import FakeOpenAI
from acon.rollout import RolloutSpec, RolloutStopped, rollout
from acon.run_folder import RunFolder
from environments.facts.config import FactsConfig
from environments.facts.env import FactsEnv
from tests.support import scripted_overrides
from tests.support.brain import brain

TASKS = FactsEnv(FactsConfig(filler_lines=4)).tasks("test")


class Outage:
    """The scripted system, except that requests about the given tasks fail with `status`
    while `down` is true (the agent's and the compressor's alike)."""

    def __init__(self, task_ids: set[str], status: int = 503):
        prompts = {t.instruction for t in TASKS if t.id in task_ids}
        self.prompts, self.status, self.down = prompts, status, True

    def __call__(self, body):
        about = body["messages"][1]["content"] if len(body["messages"]) > 1 else ""
        if self.down and about in self.prompts:
            return self.status
        return brain(body)


def run(cfg, folder):
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        return rollout(RolloutSpec.of(cfg), folder, llms)


def config(fake, tmp_path, *more):
    return compose(
        scripted_overrides(fake, tmp_path, "rollout.limit=3", "llm.common.max_retries=0", *more)
    )


def test_an_outage_mid_run_is_errored_left_out_of_the_means_and_run_again(tmp_path):
    outage = Outage({"test-001"})
    folder = RunFolder(tmp_path / "run")
    with FakeOpenAI(default=outage) as fake:
        cfg = config(fake, tmp_path)
        first = run(cfg, folder)
        assert sorted(first.finished) == ["test-000", "test-002"]
        (row,) = first.errored.values()
        assert (row["task_id"], row["status"], row["score"]) == ("test-001", "errored", None)
        assert (row["error_kind"], row["error_stage"], row["error_role"]) == (
            "server",
            "agent",
            "agent",
        )
        assert first.table.loc["all", "tasks"] == 2 and first.table.loc["all", "errored"] == 1
        assert first.table.loc["all", "score"] == 1.0  # the outage is not averaged in as a 0
        assert "1 of 3 tasks errored" in first.errors_summary()

        outage.down = False  # the endpoint is back: the rerun runs the errored task only
        asked = len(fake.requests)
        second = run(cfg, folder)
        rerun_prompts = {r["messages"][1]["content"] for r in fake.requests[asked:]}
    assert rerun_prompts == outage.prompts
    assert sorted(second.finished) == ["test-000", "test-001", "test-002"] and not second.errored
    assert second.table.loc["all", "tasks"] == 3 and second.table.loc["all", "errored"] == 0
    assert len((folder.path / "results.jsonl").read_text().splitlines()) == 4  # nothing lost


def test_a_dead_endpoint_stops_the_run_at_the_first_task(tmp_path):
    with FakeOpenAI() as fake:
        cfg = config(fake, tmp_path, "llm.common.base_url=http://127.0.0.1:9/v1")
    folder = RunFolder(tmp_path / "run")
    with pytest.raises(RolloutStopped, match="Could not reach the agent endpoint.*base_url"):
        run(cfg, folder)
    assert list(folder.errored()) == ["test-000"] and not folder.finished()


def test_a_refused_key_stops_the_run_at_once_even_after_answers(tmp_path):
    outage = Outage({"test-001"}, status=401)
    with FakeOpenAI(default=outage) as fake:
        cfg = config(fake, tmp_path)
        with pytest.raises(RolloutStopped, match="wants an API key and none is configured"):
            run(cfg, RunFolder(tmp_path / "run"))
    folder = RunFolder(tmp_path / "run")
    assert list(folder.finished()) == ["test-000"] and list(folder.errored()) == ["test-001"]


def test_errors_in_a_row_stop_the_run_before_it_consumes_the_split(tmp_path):
    outage = Outage({t.id for t in TASKS[1:]})
    with FakeOpenAI(default=outage) as fake:
        cfg = config(fake, tmp_path, "rollout.limit=6", "rollout.max_consecutive_errors=2")
        with pytest.raises(RolloutStopped, match="2 tasks in a row errored"):
            run(cfg, RunFolder(tmp_path / "run"))
    folder = RunFolder(tmp_path / "run")
    assert list(folder.finished()) == ["test-000"]
    assert sorted(folder.errored()) == ["test-001", "test-002"]  # test-003.. never started


def acon_rollout(tmp_path, *overrides):
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.rollout",
        f"hydra.run.dir={tmp_path / 'run'}",
        "tracking=off",
        *overrides,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)


def test_the_command_exits_1_naming_the_errored_tasks_and_the_retry(tmp_path):
    with FakeOpenAI(default=Outage({"test-001"})) as fake:
        proc = acon_rollout(
            tmp_path,
            *scripted_overrides(fake, tmp_path),
            "rollout.limit=3",
            "llm.common.max_retries=0",
        )
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = (proc.stdout + proc.stderr).strip().splitlines()[-1]  # the log's last line
    assert "1 of 3 tasks errored" in last and "server x1" in last
    assert f"hydra.run.dir={tmp_path / 'run'}" in last and "Traceback" not in proc.stderr


def test_the_command_on_a_dead_endpoint_exits_2_with_one_sentence(tmp_path):
    dead = ["llm.common.base_url=http://127.0.0.1:9/v1", "llm.common.model=x"]
    proc = acon_rollout(tmp_path, *dead, "rollout.limit=2", "llm.common.max_retries=0")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = (proc.stdout + proc.stderr).strip().splitlines()[-1]
    assert "Stopped the rollout" in last and "Could not reach the agent endpoint" in last
    rows = RunFolder(tmp_path / "run").rows()
    assert [(r["task_id"], r["status"]) for r in rows] == [("test-000", "errored")]
