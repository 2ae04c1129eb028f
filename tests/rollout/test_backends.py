"""The rollout backends: threads on this machine, a local Ray instance; and Hydra sweeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.llm.fake_server import FakeOpenAI
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder
from tests.support.brain import brain


@pytest.fixture
def fake():
    with FakeOpenAI(default=brain) as server:
        yield server


def cfg_for(fake, tmp_path, *overrides):
    return compose(
        [
            f"llm.common.base_url={fake.base_url}",
            "llm.common.model=scripted",
            f"llm.cache.dir={tmp_path / 'responses'}",
            "env.filler_lines=3",
            "rollout.limit=4",
            *overrides,
        ]
    )


def results(folder):
    return {
        json.loads(line)["task_id"]: json.loads(line) for line in open(folder / "results.jsonl")
    }


def test_parallel_workers_give_the_same_rows_as_one(fake, tmp_path):
    one, four = tmp_path / "one", tmp_path / "four"
    with LLMSession(ModelSettings.of(cfg_for(fake, tmp_path)), one) as llms:
        rollout(RolloutSpec.of(cfg_for(fake, tmp_path)), RunFolder(one), llms)
    cfg = cfg_for(fake, tmp_path, "rollout.workers=3", "llm.cache.enabled=false")
    with LLMSession(ModelSettings.of(cfg), four) as llms:
        rollout(RolloutSpec.of(cfg), RunFolder(four), llms)
    a, b = results(one), results(four)
    assert set(a) == set(b) and len(a) == 4
    for task_id in a:
        assert (a[task_id]["score"], a[task_id]["steps"]) == (
            b[task_id]["score"],
            b[task_id]["steps"],
        )
    assert len(list((four / "trajectories").glob("*.jsonl"))) == 4


@pytest.mark.integration
def test_ray_backend_on_a_local_instance(fake, tmp_path):
    pytest.importorskip("ray")
    cfg = cfg_for(
        fake, tmp_path, "rollout/backend=ray", "rollout.workers=2", "rollout.backend.num_cpus=2"
    )
    with LLMSession(ModelSettings.of(cfg), tmp_path / "run") as llms:
        table = rollout(RolloutSpec.of(cfg), RunFolder(tmp_path / "run"), llms).table
    rows = results(tmp_path / "run")
    assert len(rows) == 4 and table.loc["all", "tasks"] == 4
    assert all(r["score"] == 1.0 for r in rows.values())  # the scripted agent solves them
    assert len(list((tmp_path / "run" / "trajectories").glob("*.jsonl"))) == 4
    assert sorted(p.name for p in (tmp_path / "run" / "workers").iterdir()) == ["w0", "w1"]


def test_a_sweep_with_the_joblib_launcher_runs_each_configuration(fake, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.rollout",
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        f"llm.common.base_url={fake.base_url}",
        "llm.common.model=scripted",
        f"llm.cache.dir={tmp_path / 'responses'}",
        "env.filler_lines=3",
        "rollout.limit=2",
        "compression/history=none,fifo",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = sorted((tmp_path / "sweep").glob("[0-9]*"))
    assert len(jobs) == 2
    strategies = [(j / ".hydra" / "overrides.yaml").read_text() for j in jobs]
    assert any("none" in s for s in strategies) and any("fifo" in s for s in strategies)
    assert all(len(results(j)) == 2 for j in jobs)


def test_the_rollout_calls_the_models_its_own_config_names(fake, tmp_path):
    """A session opened for one config runs another config's rollout (the distillation's
    arms, a sweep's runs) with that config's models, never the session's."""
    with FakeOpenAI(default=brain) as other:
        opened = cfg_for(fake, tmp_path, "rollout.limit=1")
        run = cfg_for(
            fake,
            tmp_path,
            "rollout.limit=1",
            "llm.cache.enabled=false",
            f"llm.agent.base_url={other.base_url}",
        )
        with LLMSession(ModelSettings.of(opened), tmp_path / "run") as llms:
            rollout(RolloutSpec.of(run), RunFolder(tmp_path / "run"), llms)
        assert other.requests and not fake.requests
