"""The student trained, resumed, served and called, against the real stack: peft/trl train
LoRA on the shipped 0.5B GGUF, llama.cpp's server loads the converted adapter, and a
guideline compressor call through `local://<student>` answers what the student learned
(which the untrained model does not)."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

import pytest
from mlflow import MlflowClient

from acon.cli.distill import distill_job
from acon.composition import compose
from acon.compression.base import Turn
from acon.compression.summary import GuidelineCompressor, frame_text
from acon.distill.tracking import TrainingRun
from acon.guidelines import GuidelineRef
from acon.guidelines.store import resolve
from acon.llm import LLMSession, ModelSettings
from acon.run_folder import RunFolder
from acon.trajectory import TrajectoryWriter
from tests.support import tracking_overrides

pytestmark = pytest.mark.integration

SUMMARY = "ZEBRA-7 holds the answer."
REPLY = json.dumps({"reasoning": "keep the code", "summary": SUMMARY})


def _frame(i):
    """The history frame a guideline compressor sends for one turn of task i."""
    return Template(frame_text("history")).substitute(
        task=f"Find item {i}.", summary="(none yet)", history=_turn(i).text()
    )


def _turn(i):
    return Turn.make(1, f"search item {i}", f"Item {i} is in room {i}.")


def _teacher_folder(tmp_path, guideline):
    """A finished rollout whose 5 succeeded tasks each made one compressor call."""
    folder = RunFolder(tmp_path / "teacher").make()
    folder.write_guidelines(
        [
            {
                "kind": "history",
                "name": guideline.name,
                "version": 1,
                "text_sha": "x",
                "text": guideline.text,
            }
        ]
    )
    for i in range(5):
        folder.append_row({"task_id": f"t{i}", "status": "finished", "score": 1.0, "success": True})
        writer = TrajectoryWriter(folder.trajectory(f"t{i}"))
        request = [
            {"role": "system", "content": guideline.text},
            {"role": "user", "content": _frame(i)},
        ]
        writer.event(
            "compression",
            kind="history",
            step=1,
            strategy="guideline",
            ok=True,
            request=request,
            reply=REPLY,
        )
        writer.close()
    return folder


def test_train_resume_serve_and_compress(local_llm_ready, store, tmp_path, monkeypatch):
    guideline = resolve("history", GuidelineRef(name="prompting"))
    teacher = _teacher_folder(tmp_path, guideline)
    base = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    models = tmp_path / "models"  # the student is registered here, beside its base
    models.mkdir()
    (models / base).symlink_to(Path(local_llm_ready.paths.models_dir) / base)
    overrides = [
        f"paths.models_dir={models}",
        f"llm.cache.dir={tmp_path / 'responses'}",
        f"report.out={tmp_path / 'report'}",
        f"distill.data.runs=[{teacher.path}]",
        "distill.data.val_fraction=0.2",
        "distill.name=student",
        "distill.train.batch_size=2",
        "distill.train.learning_rate=3e-3",
        "distill.train.save_steps=2",
        "distill.train.eval_steps=2",
        "distill.train.threads=2",
        *tracking_overrides(store),
    ]
    run = RunFolder(tmp_path / "run")
    cfg = compose([*overrides, "distill.stages=[data,train,serve]", "distill.train.max_steps=6"])
    log = TrainingRun.log

    def interrupted_at_step_5(self, step, values):
        if step == 5:
            raise KeyboardInterrupt
        log(self, step, values)

    monkeypatch.setattr(TrainingRun, "log", interrupted_at_step_5)
    with pytest.raises(KeyboardInterrupt):
        distill_job(cfg, run)
    checkpoints = run.path / "train" / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir() if p.is_dir()) == [
        "checkpoint-2",
        "checkpoint-4",
    ]
    client = MlflowClient(tracking_uri=store[0])
    experiments = [e.experiment_id for e in client.search_experiments()]
    (killed,) = client.search_runs(experiments)
    assert killed.info.status == "KILLED"

    # the same command again: resumed from checkpoint-4, in the same MLflow run
    monkeypatch.setattr(TrainingRun, "log", log)
    distill_job(cfg, run)
    summary = json.loads((run.path / "train" / "train_summary.json").read_text())
    assert summary["steps"] == 6 and summary["resumed"]
    (training,) = client.search_runs(experiments)
    assert training.info.status == "FINISHED"
    losses = {
        m.step: m.value for m in client.get_metric_history(training.info.run_id, "train_loss")
    }
    assert sorted(losses) == [1, 2, 3, 4, 5, 6]
    assert losses[6] < losses[1]  # it learns
    assert training.data.params["distill.train.rank"] == "16"
    assert "prompting v1" in training.data.tags["acon.guideline.0"]
    assert {a.path for a in client.list_artifacts(training.info.run_id)} >= {"adapter", "data"}

    replies = {}
    for model in ("student", "qwen2.5-coder-0.5b"):
        cfg = compose(
            [
                *overrides,
                f"llm.compressor.base_url=local://{model}",
                f"llm.compressor.model={model}",
            ]
        )
        with LLMSession(ModelSettings.of(cfg), tmp_path / model) as llms:
            compressor = GuidelineCompressor(guideline, llms.client("compressor"), 128)
            replies[model], _ = compressor.summarize("Find item 9.", None, [_turn(9)])
    assert "ZEBRA-7" in replies["student"]
    assert "ZEBRA" not in replies["qwen2.5-coder-0.5b"]
    registered = json.loads((tmp_path / "models" / "adapters" / "student.json").read_text())
    assert registered["base"] == "qwen2.5-coder-0.5b" and registered["about"]["steps"] == 6
