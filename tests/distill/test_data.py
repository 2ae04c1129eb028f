"""Distillation data from a scripted rollout: each example is exactly the exchange the
compressor endpoint saw, only the teacher's succeeded tasks are kept (or every finished
one), identical calls are kept once, and a task is in one split only."""

from __future__ import annotations

import json

import pytest

from acon.cli.rollout import run
from acon.composition import compose
from acon.distill.config import DistillDataConfig
from acon.distill.data import split_tasks, write_data
from acon.errors import AconError
from acon.guidelines.store import GuidelineStore
from acon.run_folder import RunFolder
from tests.support import scripted_overrides
from tests.support.brain import KEEP, brain


def _read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _teacher(fake, tmp_path, name, *guideline):
    """A guideline-compressed rollout of 4 facts tasks on the scripted endpoint."""
    cfg = compose(
        scripted_overrides(
            fake,
            tmp_path,
            "compression/history=guideline",
            "agent.context.history_threshold_tokens=250",
            "agent.max_steps=6",
            "rollout.limit=4",
            "tracking=off",
            *guideline,
        )
    )
    folder = RunFolder(tmp_path / name)
    run(cfg, folder)
    return folder


@pytest.fixture
def teacher_run(fake, tmp_path):
    """The starting guideline: the scripted summaries lose records, compressed tasks fail."""
    return _teacher(fake, tmp_path, "start")


@pytest.fixture
def keeping_run(fake, tmp_path):
    """A guideline that keeps the records: compressed tasks succeed."""
    store = GuidelineStore(tmp_path / "guidelines")
    store.add("history", "keep", KEEP)
    return _teacher(
        fake,
        tmp_path,
        "keep",
        "compression.history.guideline.name=keep",
        f"compression.history.guideline.dir={store.root}",
    )


def _compressor_exchanges(fake):
    """(messages, reply text) of every compressor request the endpoint answered."""
    out = []
    for body in fake.requests:
        schema = (body.get("response_format") or {}).get("json_schema", {})
        if schema.get("name") == "compressed_summary":
            out.append((body["messages"], brain(body)))
    return out


def test_examples_are_the_exact_compressor_exchanges_of_succeeded_tasks(
    fake, teacher_run, keeping_run, tmp_path
):
    failed = {r["task_id"] for r in teacher_run.rows() if r["compressor_calls"]}
    assert failed and not any(r["success"] for r in teacher_run.rows() if r["task_id"] in failed)
    succeeded = {r["task_id"] for r in keeping_run.rows() if r["success"] and r["compressor_calls"]}
    assert len(succeeded) >= 2
    card = write_data(
        [tmp_path / "start", tmp_path / "keep"],
        DistillDataConfig(val_fraction=0.5),
        tmp_path / "data",
    )

    examples = _read(tmp_path / "data/compressor_train.jsonl") + _read(
        tmp_path / "data/compressor_val.jsonl"
    )
    sent = {
        json.dumps([*m, {"role": "assistant", "content": r}])
        for m, r in _compressor_exchanges(fake)
    }
    assert examples and all(json.dumps(e["messages"]) in sent for e in examples)
    assert all(e["messages"][0]["role"] == "system" for e in examples)  # the guideline
    # only succeeded tasks: every call of the keeping run, none of the starting one's
    kept = set(card["tasks"]["train"]) | set(card["tasks"]["val"])
    assert kept == succeeded
    assert all(KEEP in e["messages"][0]["content"] for e in examples)
    calls = [
        json.loads(line)
        for t in kept
        for line in keeping_run.trajectory(t).read_text().splitlines()
    ]
    assert len(examples) == sum(c["event"] == "compression" and c["ok"] for c in calls)
    assert [s["compressor"] for s in card["sources"]] == [0, len(examples)]
    assert card["files"]["compressor_train"]["examples"] + card["files"]["compressor_val"][
        "examples"
    ] == len(examples)
    assert not set(card["tasks"]["train"]) & set(card["tasks"]["val"])
    # agent data: every agent call of the kept tasks, its input rebuilt, its reply last
    agent = _read(tmp_path / "data/agent_train.jsonl") + _read(tmp_path / "data/agent_val.jsonl")
    assert agent and all(e["messages"][-1]["role"] == "assistant" for e in agent)
    assert "prompting v1" in (tmp_path / "data/card.md").read_text()  # the guideline followed


def test_finished_keeps_every_task_and_duplicates_once(teacher_run, tmp_path):
    config = DistillDataConfig(tasks="finished", val_fraction=0.25)
    card = write_data([teacher_run.path, teacher_run.path], config, tmp_path / "data")
    compressed = {r["task_id"] for r in teacher_run.rows() if r["compressor_calls"]}
    assert card["tasks"]["kept"] == len(compressed) >= 2  # failed ones too, now
    once = write_data([teacher_run.path], config, tmp_path / "once")
    assert card["duplicates_dropped"] >= once["files"]["compressor_train"]["examples"]
    assert card["files"] == once["files"]  # the second copy added nothing


def test_split_is_by_task_seeded_and_never_empty():
    ids = [f"t{i}" for i in range(10)]
    val = split_tasks(ids, 0.2, seed=0)
    assert len(val) == 2 and val == split_tasks(reversed(ids), 0.2, seed=0)  # order-free
    assert len(split_tasks(["a", "b"], 0.1, seed=0)) == 1  # one task on each side
    assert split_tasks(ids, 0.0, seed=0) == set()


def test_a_run_without_compressor_calls_is_one_sentence(fake, tmp_path):
    cfg = compose(scripted_overrides(fake, tmp_path, "rollout.limit=1", "tracking=off"))
    run(cfg, RunFolder(tmp_path / "plain"))
    with pytest.raises(AconError, match="No compressor call"):
        write_data([tmp_path / "plain"], DistillDataConfig(tasks="finished"), tmp_path / "d")
    with pytest.raises(AconError, match="does not exist"):
        write_data([tmp_path / "nowhere"], DistillDataConfig(), tmp_path / "d")
