"""A real `acon-rollout -m` sweep of two configurations on the facts env, every role
scripted: two runs under one parent, with their own params and metrics, logged through
the server the harness started for the sweep (and stopped after it). Run by Hydra's basic
launcher, and as separate jobs by submitit's local executor (the SLURM launcher's
machinery: `hydra/launcher=slurm` on a cluster)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from acon.tracking.store import mlflow_client
from tests.support import scripted_overrides, tracking_overrides

ACON_ROLLOUT = str(Path(sys.executable).parent / "acon-rollout")


def processes_mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


SUBMITIT_LOCAL = [
    "hydra/launcher=submitit_local",
    "hydra.launcher.timeout_min=5",
    "hydra.launcher.cpus_per_task=1",
]


@pytest.mark.parametrize("launcher", [[], SUBMITIT_LOCAL], ids=["basic", "submitit_local"])
def test_a_two_configuration_sweep_logs_two_runs_under_one_parent(launcher, fake, store, tmp_path):
    sweep_dir = tmp_path / "sweep"
    cmd = [
        ACON_ROLLOUT,
        "-m",
        *launcher,
        *scripted_overrides(fake, tmp_path),
        *tracking_overrides(store),
        "rollout.limit=2",
        "compression/history=none,fifo",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]

    record = json.loads((sweep_dir / "mlflow_sweep.json").read_text())
    assert record["owner"] == "callback" and record["swept"] == ["compression/history"]
    assert record["tracking_uri"] == store[0]  # handed back to the store: the server is gone
    server_log = (sweep_dir / "mlflow-server.log").read_text()
    assert "POST /api/2.0/mlflow/runs/create" in server_log  # the jobs logged through it
    assert not processes_mentioning(str(store[0]).removeprefix("sqlite:///"))
    if launcher:  # each configuration ran as its own submitit job
        assert len(list((sweep_dir / ".submitit").glob("*/*_result.pkl"))) == 2

    client = mlflow_client(store[0])
    parent = client.get_run(record["parent_run_id"])
    assert parent.info.status == "FINISHED" and parent.data.tags["acon.role"] == "sweep"
    children = client.search_runs(
        [record["experiment_id"]],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
    )
    assert len(children) == 2
    by_strategy = {c.info.run_name.rsplit("=", 1)[1]: c for c in children}
    assert set(by_strategy) == {"none", "fifo"}
    targets = {k: r.data.params["compression.history._target_"] for k, r in by_strategy.items()}
    assert targets == {"none": "null", "fifo": "acon.compression.fifo.Fifo"}
    for job, strategy in enumerate(["none", "fifo"]):
        run = by_strategy[strategy]
        assert run.info.run_name == f"#{job} compression/history={strategy}"
        assert run.data.params["rollout.limit"] == "2"
        assert run.data.tags["acon.run_dir"] == str((sweep_dir / str(job)).resolve())
        summary = pd.read_csv(sweep_dir / str(job) / "summary.csv", index_col=0)
        assert run.data.metrics["score"] == summary.loc["all", "score"]
        assert run.data.metrics["steps"] == summary.loc["all", "steps"]
        assert run.data.metrics["peak_tokens_k"] == summary.loc["all", "peak_tokens_k"]
        assert run.data.metrics["level_2/score"] == summary.loc["level 2", "score"]
        assert run.data.metrics["usage/agent/calls"] > 0
    assert by_strategy["fifo"].data.params["compression.history.keep_turns"] == "5"
    assert "compression.history.keep_turns" not in by_strategy["none"].data.params


def test_the_slurm_preset_is_submitits_slurm_launcher():
    cmd = [
        ACON_ROLLOUT,
        "hydra/launcher=slurm",
        "hydra.launcher.partition=gpu",
        "--cfg",
        "hydra",
        "-p",
        "hydra.launcher",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    launcher = yaml.safe_load(done.stdout)
    assert launcher["_target_"].endswith("submitit_launcher.SlurmLauncher")
    assert (launcher["partition"], launcher["timeout_min"], launcher["max_num_timeout"]) == (
        "gpu",
        240,
        3,
    )
