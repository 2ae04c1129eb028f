"""Run folders that never lie or lose paid work: a resume with another config stops, an
interrupt keeps every finished task, a killed run's ended tasks are not paid for twice,
a torn results line is skipped and its task redone, and one process writes a folder.
Real processes, real signals, the scripted endpoint (tests/support/brain.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from acon.composition import compose
from acon.errors import AconError
from acon.llm import LLMSession, ModelSettings
from acon.llm.fake_server import FakeOpenAI
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder
from environments.facts.config import FactsConfig
from environments.facts.env import FactsEnv
from tests.support import scripted_overrides
from tests.support.brain import brain

TASKS = FactsEnv(FactsConfig(filler_lines=4)).tasks("test")
PROMPTS = {t.instruction: t.id for t in TASKS}


def command(run: Path, *overrides: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "acon.cli.rollout",
        f"hydra.run.dir={run}",
        "tracking=off",
        *overrides,
    ]


def acon_rollout(run: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(run, *overrides), capture_output=True, text=True, timeout=300, env=os.environ
    )


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    return (proc.stdout + proc.stderr).strip().splitlines()[-1]


def ended(run: Path) -> set[str]:
    """Tasks whose trajectory holds an `end` event (the benchmark scored them)."""
    done = set()
    for path in (run / "trajectories").glob("*.jsonl"):
        events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if any(e["event"] == "end" for e in events):
            done.add(path.stem)
    return done


def asked_about(requests: list[dict]) -> set[str]:
    """The tasks the endpoint was asked about (the task prompt is the first user message)."""
    return {
        PROMPTS[r["messages"][1]["content"]]
        for r in requests
        if len(r["messages"]) > 1 and r["messages"][1]["content"] in PROMPTS
    }


class Slow:
    """The scripted system, answering after `delay` seconds."""

    def __init__(self, delay: float):
        self.delay = delay

    def __call__(self, body):
        time.sleep(self.delay)
        return brain(body)


def wait_for(check, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- 1. one config per folder -------------------------------------------------------------


def test_a_resume_with_another_config_stops_and_the_folder_stays_as_it_was(fake, tmp_path):
    run = tmp_path / "run"
    common = scripted_overrides(fake, tmp_path)
    first = acon_rollout(run, *common, "compression/history=guideline", "rollout.limit=2")
    assert first.returncode == 0, first.stderr[-2000:]
    kept = {
        p: (run / p).read_bytes()
        for p in (".hydra/config.yaml", ".hydra/overrides.yaml", "guidelines.json", "results.jsonl")
    }
    asked = len(fake.requests)
    proc = acon_rollout(
        run, *common, "compression/history=fifo", "llm.common.model=gpt-4.1-mini", "rollout.limit=4"
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    line = last_line(proc)
    for part in (
        "holds 2 finished task(s) of another config",
        "compression.history: GuidelineHistory -> Fifo",
        "llm.agent.model: scripted -> gpt-4.1-mini",
        "hydra.run.dir",
        "rollout.resume=force",
    ):
        assert part in line, line
    assert len(fake.requests) == asked  # nothing was called
    assert {p: (run / p).read_bytes() for p in kept} == kept  # nor rewritten


def test_more_tasks_or_workers_resume_the_same_config(fake, tmp_path):
    folder = RunFolder(tmp_path / "run")
    base = scripted_overrides(fake, tmp_path, "compression/history=guideline")
    for more in (["rollout.limit=2"], ["rollout.limit=4", "rollout.workers=2"]):
        cfg = compose([*base, *more])
        with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
            result = rollout(RolloutSpec.of(cfg), folder, llms)
    assert len(result.finished) == 4
    assert len((folder.path / "results.jsonl").read_text().splitlines()) == 4  # none redone


def test_force_adds_the_rows_and_the_folder_records_the_mix(fake, tmp_path):
    folder = RunFolder(tmp_path / "run")
    first = compose(scripted_overrides(fake, tmp_path, "rollout.limit=1", "agent.max_steps=7"))
    other = scripted_overrides(fake, tmp_path, "rollout.limit=2", "agent.max_steps=9")
    with LLMSession(ModelSettings.of(first), folder.path) as llms:
        rollout(RolloutSpec.of(first), folder, llms)
        with pytest.raises(AconError, match=r"agent\.max_steps: 7 -> 9"):
            rollout(RolloutSpec.of(compose(other)), folder, llms)
        rollout(RolloutSpec.of(compose([*other, "rollout.resume=force"])), folder, llms)
    assert len(folder.finished()) == 2
    (mix,) = folder.fingerprint()["forced_over"]
    assert mix["changes"] == ["agent.max_steps: 7 -> 9"]


# -- 2. interrupts and kills keep finished, paid-for tasks ------------------------------------


def start(run: Path, fake: FakeOpenAI, tmp_path: Path, *more: str) -> subprocess.Popen[str]:
    overrides = scripted_overrides(
        fake, tmp_path, "rollout.limit=12", "rollout.workers=4", "llm.cache.enabled=false", *more
    )
    return subprocess.Popen(
        command(run, *overrides),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,
    )


def rows_written(run: Path) -> int:
    path = run / "results.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_with_4_workers_writes_every_finished_tasks_row(sig, tmp_path):
    run = tmp_path / "run"
    with FakeOpenAI(default=Slow(0.25)) as fake:
        proc = start(run, fake, tmp_path)
        try:
            wait_for(lambda: rows_written(run) >= 1)  # some finished, others running
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, err[-2000:]
    finished = set(RunFolder(run).finished())
    assert ended(run) <= finished  # every task the benchmark scored has its row
    assert len(ended(run)) > 1 and len(finished) < 12  # it stopped starting tasks


def test_after_kill_9_a_resume_pays_only_for_tasks_that_had_not_ended(tmp_path):
    run = tmp_path / "run"
    with FakeOpenAI(default=Slow(0.25)) as fake:
        proc = start(run, fake, tmp_path)
        try:
            wait_for(lambda: rows_written(run) >= 2)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        # the state a kill between a task's end and its row leaves: the last row is gone
        results = run / "results.jsonl"
        lines = results.read_text().splitlines(keepends=True)
        lost = json.loads(lines[-1])["task_id"]
        results.write_text("".join(lines[:-1]))
        scored = ended(run)
        assert lost in scored and lost not in RunFolder(run).finished()
        asked = len(fake.requests)
        fake.default = brain  # the resume runs at full speed
        resume = start(run, fake, tmp_path)
        _, err = resume.communicate(timeout=300)
        again = asked_about(fake.requests[asked:])
    assert resume.returncode == 0, err[-2000:]
    twelve = {t.id for t in TASKS[:12]}
    assert again == twelve - scored  # no ended task paid for twice, the rest run again
    assert set(RunFolder(run).finished()) == twelve


# -- 3. a torn results line ---------------------------------------------------------------


def test_a_torn_results_line_is_named_skipped_and_its_task_redone(fake, tmp_path):
    run = tmp_path / "run"
    common = scripted_overrides(fake, tmp_path, "rollout.limit=3", "llm.cache.enabled=false")
    assert acon_rollout(run, *common).returncode == 0
    results = run / "results.jsonl"
    results.write_bytes(results.read_bytes()[:-40])  # the last write torn by a crash
    (run / "trajectories" / "test-002.jsonl").unlink()  # nothing to recover it from
    asked = len(fake.requests)
    proc = acon_rollout(run, *common)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    output = (proc.stdout + proc.stderr).splitlines()
    warnings = [line for line in output if "Skipped line" in line]
    assert len(warnings) == 1 and f"line 3 of {results}" in warnings[0]
    assert asked_about(fake.requests[asked:]) == {"test-002"}
    assert sorted(RunFolder(run).finished()) == ["test-000", "test-001", "test-002"]


# -- 4. one writer per folder -------------------------------------------------------------


def test_a_second_process_on_a_busy_folder_stops_naming_the_holder(tmp_path):
    run = tmp_path / "run"
    with FakeOpenAI(default=Slow(0.3)) as fake:
        holder = start(run, fake, tmp_path)
        try:
            wait_for(lambda: (run / "fingerprint.json").exists())  # it holds the folder
            config = (run / ".hydra" / "overrides.yaml").read_bytes()
            second = acon_rollout(run, *scripted_overrides(fake, tmp_path, "rollout.limit=3"))
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.communicate(timeout=60)
        assert second.returncode == 2 and "Traceback" not in second.stderr
        line = last_line(second)
        assert f"Another process (pid {holder.pid})" in line and "hydra.run.dir" in line
        assert (run / ".hydra" / "overrides.yaml").read_bytes() == config  # the holder's
        fake.default = brain
        after = start(run, fake, tmp_path)  # the kernel freed the dead holder's lock
        _, err = after.communicate(timeout=300)
    assert after.returncode == 0, err[-2000:]
    assert len(RunFolder(run).finished()) == 12
