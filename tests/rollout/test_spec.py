"""The rollout spec: built once from the composed config, a guideline's text read once
and held (the store may move on meanwhile), picklable for Ray's actors, and the tasks it
selects."""

from __future__ import annotations

import pickle

import pytest

from acon.composition import compose
from acon.config.build import build
from acon.environment import Task
from acon.errors import AconError
from acon.guidelines import GuidelineStore
from acon.rollout import RolloutSpec, TaskSelection
from acon.rollout.store import reuse_key
from acon.services import Services
from tests.support import OneRoleLLMs


def guided(store_root):
    return compose(
        [
            "compression/history=guideline",
            "compression.history.guideline.name=mine",
            f"compression.history.guideline.dir={store_root}",
        ]
    )


def test_the_guideline_text_is_read_once_and_every_reader_follows_it(tmp_path):
    store = GuidelineStore(tmp_path)
    store.add("history", "mine", "Keep every number.")
    spec = RolloutSpec.of(guided(tmp_path))
    key = reuse_key(spec)
    store.add("history", "mine", "Keep nothing.")  # `latest` moves while the run goes on
    ref = spec.strategies["history"].guideline
    assert (ref.version, ref.text) == ("1", "Keep every number.")
    compressor = build(spec.strategies["history"], Services(OneRoleLLMs(None))).compressor
    assert compressor.guideline.text == "Keep every number."
    assert [g["text"] for g in spec.guidelines_used()] == ["Keep every number."]
    assert reuse_key(spec) == key
    assert reuse_key(RolloutSpec.of(guided(tmp_path))) != key  # a new spec reads the new text


def test_the_spec_pickles_whole_for_ray_actors(tmp_path):
    GuidelineStore(tmp_path).add("history", "mine", "Keep every number.")
    spec = RolloutSpec.of(guided(tmp_path))
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_the_spec_is_typed_and_resolved():
    spec = RolloutSpec.of(compose(["env=qa", "rollout.limit=3", "rollout.split=train"]))
    assert spec.benchmark == "qa" and spec.tasks == TaskSelection("train", 3, None)
    assert "${" not in repr(spec)  # interpolations resolved: an actor elsewhere reads the same
    assert spec.label == "No compression"


def test_a_selection_takes_ids_in_their_order_or_the_first_n():
    tasks = [Task(id=f"t{i}", instruction="") for i in range(5)]
    assert [t.id for t in TaskSelection("test", limit=2).select(tasks)] == ["t0", "t1"]
    assert [t.id for t in TaskSelection("test").select(tasks)] == [t.id for t in tasks]
    picked = TaskSelection("test", limit=1, task_ids=("t3", "t1")).select(tasks)
    assert [t.id for t in picked] == ["t3", "t1"]
    with pytest.raises(AconError, match="Unknown task id"):
        TaskSelection("test", task_ids=("t9",)).select(tasks)
