"""A scripted rollout on the facts env, logged: one run, the config as params, the
summary as metrics (overall and per difficulty), usage per role, the record as artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder
from acon.tracking import LiveRollout, log_rollout
from acon.tracking.store import mlflow_client
from tests.support import scripted_overrides, tracking_overrides


def run_rollout(cfg, run_dir):
    with LLMSession(ModelSettings.of(cfg), run_dir) as llms:
        return rollout(RolloutSpec.of(cfg), RunFolder(run_dir), llms).table


def artifact_paths(client, run_id, path=None):
    found = []
    for item in client.list_artifacts(run_id, path):
        found += artifact_paths(client, run_id, item.path) if item.is_dir else [item.path]
    return found


def test_a_rollout_is_one_run_with_its_config_metrics_and_record(fake, store, tmp_path):
    cfg = compose(
        [
            *scripted_overrides(fake, tmp_path),
            *tracking_overrides(store),
            "rollout.limit=3",
            "compression/history=fifo",
        ]
    )
    run_dir = tmp_path / "run"
    table = run_rollout(cfg, run_dir)
    run_id = log_rollout(cfg, RunFolder(run_dir))

    client = mlflow_client(store[0])
    (experiment,) = [e for e in client.search_experiments() if e.name != "Default"]
    assert experiment.name == "acon/facts"
    assert experiment.artifact_location.startswith(store[1].as_uri())
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_id == run_id and run.info.status == "FINISHED"
    params, metrics = run.data.params, run.data.metrics
    assert params["compression.history._target_"] == "acon.compression.fifo.Fifo"
    assert params["rollout.limit"] == "3" and params["env.filler_lines"] == "4"
    assert params["llm.common.model"] == "scripted"
    assert metrics["score"] == table.loc["all", "score"] == 1.0
    assert metrics["tasks"] == 3 and metrics["errored"] == 0
    assert metrics["steps"] == table.loc["all", "steps"]
    assert metrics["peak_tokens_k"] == table.loc["all", "peak_tokens_k"] > 0
    assert metrics["dependency_m"] == table.loc["all", "dependency_m"]
    assert metrics["compressor_calls"] == 0
    for level in (1, 2, 3):
        assert metrics[f"level_{level}/steps"] == table.loc[f"level {level}", "steps"]
    agent_calls = sum(
        1 for r in fake.requests if r["response_format"]["json_schema"]["name"] == "step"
    )
    assert metrics["usage/agent/calls"] == agent_calls == metrics["usage/total/calls"]
    assert "usage/agent/cost_usd" in metrics
    assert run.data.tags["acon.run_dir"] == str(run_dir.resolve())

    paths = artifact_paths(client, run_id)
    for expected in (
        "tasks.json",
        "results.jsonl",
        "summary.md",
        "summary.csv",
        "config/resolved.yaml",
        "trajectories/test-000.jsonl",
        "trajectories/test-002.jsonl",
    ):
        assert expected in paths
    table_file = client.download_artifacts(run_id, "tasks.json", str(tmp_path / "dl"))
    tasks = json.loads(Path(table_file).read_text())
    assert len(tasks["data"]) == 3 and "peak_tokens" in tasks["columns"]


def test_logging_the_same_folder_again_continues_its_run(fake, store, tmp_path):
    cfg = compose(
        [*scripted_overrides(fake, tmp_path), *tracking_overrides(store), "rollout.limit=1"]
    )
    run_rollout(cfg, tmp_path / "run")
    first = log_rollout(cfg, RunFolder(tmp_path / "run"))
    assert log_rollout(cfg, RunFolder(tmp_path / "run")) == first
    changed = compose(
        [*scripted_overrides(fake, tmp_path), *tracking_overrides(store), "rollout.limit=2"]
    )
    run_rollout(changed, tmp_path / "run")
    assert log_rollout(changed, RunFolder(tmp_path / "run")) != first  # other params: a new run


def test_tracking_off_logs_nothing(fake, store, tmp_path):
    cfg = compose([*scripted_overrides(fake, tmp_path), "tracking=off", "rollout.limit=1"])
    run_rollout(cfg, tmp_path / "run")
    assert log_rollout(cfg, RunFolder(tmp_path / "run")) is None


def test_a_rollout_is_live_in_mlflow_and_a_resume_continues_its_run(fake, store, tmp_path):
    """The run exists from the start and holds each task's metrics as the task finishes
    (step = the task's index); interrupted after one task, the run is KILLED; rerun into
    the same folder, the same run gets the other tasks and finishes."""
    cfg = compose(
        [
            *scripted_overrides(fake, tmp_path),
            *tracking_overrides(store),
            "rollout.limit=3",
            "rollout.workers=1",
        ]
    )
    run_dir = tmp_path / "run"
    client = mlflow_client(store[0])
    seen = []

    def interrupt_after_the_first(live):
        def on_row(index, row):
            live.task(index, row)
            (run,) = client.search_runs([run_experiment(client)])
            history = client.get_metric_history(run.info.run_id, "task/score")
            seen.append((run.info.status, [(m.step, m.value) for m in history]))
            raise KeyboardInterrupt  # as Ctrl-C after the first task

        return on_row

    folder = RunFolder(run_dir)
    with (
        LLMSession(ModelSettings.of(cfg), run_dir) as llms,
        pytest.raises(KeyboardInterrupt),
        LiveRollout(cfg, folder) as live,
    ):
        rollout(RolloutSpec.of(cfg), folder, llms, on_row=interrupt_after_the_first(live))
    assert seen == [("RUNNING", [(0, 1.0)])]  # visible while the rollout ran
    (first,) = client.search_runs([run_experiment(client)])
    assert first.info.status == "KILLED"

    with (
        LLMSession(ModelSettings.of(cfg), run_dir) as llms,
        LiveRollout(cfg, RunFolder(run_dir)) as live,
    ):
        rollout(RolloutSpec.of(cfg), RunFolder(run_dir), llms, on_row=live.task)
    (run,) = client.search_runs([run_experiment(client)])
    assert run.info.run_id == first.info.run_id and run.info.status == "FINISHED"
    history = client.get_metric_history(run.info.run_id, "task/score")
    assert sorted(m.step for m in history) == [0, 1, 2]
    running = client.get_metric_history(run.info.run_id, "running/tasks")
    assert max(m.value for m in running) == 3
    assert run.data.metrics["tasks"] == 3  # then the whole rollout, as log_rollout logs it


def run_experiment(client):
    (experiment,) = [e for e in client.search_experiments() if e.name != "Default"]
    return experiment.experiment_id
