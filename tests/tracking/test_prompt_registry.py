"""Guideline versions in the MLflow Prompt Registry: versions, lineage tags, aliases,
idempotent syncs, and reading a version or alias back."""

from __future__ import annotations

import shutil

import pytest

from acon.errors import AconError
from acon.guidelines import GuidelineStore, Lineage
from acon.tracking import load_registered_guideline, prompt_name, sync_guidelines
from acon.tracking.store import mlflow_client

PROMPT = prompt_name("facts", "history")


def optimization(root, texts_scores):
    """A file store like the optimizer writes: v1 the start, then a chain of candidates."""
    store = GuidelineStore(root)
    g = store.add("history", "acon-opt", "Start text.", Lineage(step="start", origin="acon v1"))
    store.set_alias("history", "acon-opt", "baseline", g.version)
    store.set_alias("history", "acon-opt", "best", g.version)
    parent = g.version
    for i, (text, score) in enumerate(texts_scores, 1):
        step = "ut" if i == 1 else "co"
        lineage = Lineage(
            parent=parent, step=step, round=1, feedback=["long feedback " * 50], method="acon"
        )
        g = store.add("history", "acon-opt", text, lineage)
        store.update(
            "history", "acon-opt", g.version, score=score, peak_tokens=812.5, guideline_tokens=40
        )
        parent = g.version
    store.set_alias("history", "acon-opt", "best", parent)


def test_sync_registers_versions_with_lineage_tags_and_aliases(store, tmp_path):
    uri, _ = store
    root = tmp_path / "opt1" / "guidelines"
    optimization(root, [("Keep facts.", 0.5), ("Keep facts; short.", 1.0)])
    mapping = sync_guidelines(root, "history", "acon-opt", PROMPT, uri)
    assert mapping == {1: 1, 2: 2, 3: 3}

    client = mlflow_client(uri)
    v3 = client.get_prompt_version(PROMPT, 3)
    assert v3.template == "Keep facts; short."
    tags = v3.tags
    assert tags["acon.parent"] == "2" and tags["acon.parent_file_version"] == "2"
    assert tags["acon.step"] == "co" and tags["acon.round"] == "1"
    assert tags["acon.score"] == "1" and tags["acon.peak_tokens"] == "812.5"
    assert tags["acon.guideline_tokens"] == "40" and tags["acon.kind"] == "history"
    assert "acon.feedback" not in tags and all(len(v) <= 1000 for v in tags.values())
    assert client.get_prompt_version(PROMPT, 1).tags["acon.origin"] == "acon v1"
    assert "acon.parent" not in client.get_prompt_version(PROMPT, 1).tags
    assert client.get_prompt_version_by_alias(PROMPT, "baseline").version == 1
    assert client.get_prompt_version_by_alias(PROMPT, "best").version == 3

    # a second sync of the same store registers nothing again
    assert sync_guidelines(root, "history", "acon-opt", PROMPT, uri) == mapping
    assert len(client.search_prompt_versions(PROMPT)) == 3

    # a second optimization from the same start: the start's text is already registered
    # (reused); its new text is a new version; aliases follow the latest sync
    other = tmp_path / "opt2" / "guidelines"
    optimization(other, [("Another text.", 0.75)])
    assert sync_guidelines(other, "history", "acon-opt", PROMPT, uri) == {1: 1, 2: 4}
    assert client.get_prompt_version(PROMPT, 4).tags["acon.parent"] == "1"
    assert client.get_prompt_version_by_alias(PROMPT, "best").version == 4
    assert client.get_prompt_version_by_alias(PROMPT, "baseline").version == 1


def test_a_rerun_of_a_finished_job_registers_no_text_twice_and_moves_no_alias(store, tmp_path):
    """The same guideline texts written again by a rerun (a new run folder, as `make run`
    twice) map to the versions already registered; the rerun's run is linked to them."""
    uri, _ = store
    first = tmp_path / "run1" / "guidelines"
    optimization(first, [("Keep facts.", 0.5), ("Keep facts; short.", 1.0)])
    mapping = sync_guidelines(first, "history", "acon-opt", PROMPT, uri)
    client = mlflow_client(uri)
    best = client.get_prompt_version_by_alias(PROMPT, "best")
    again = tmp_path / "run2" / "guidelines"
    shutil.copytree(first, again)
    run_id = client.create_run(client.create_experiment("rerun")).info.run_id
    assert sync_guidelines(again, "history", "acon-opt", PROMPT, uri, run_id=run_id) == mapping
    assert len(client.search_prompt_versions(PROMPT)) == 3
    moved = client.get_prompt_version_by_alias(PROMPT, "best")
    assert (moved.version, moved.aliases) == (best.version, best.aliases)
    linked = client.get_run(run_id).data.tags.get("mlflow.linkedPrompts", "")
    assert '"version": "3"' in linked or "'version': '3'" in linked


def test_load_a_registered_guideline_by_alias_or_version(store, tmp_path):
    uri, _ = store
    root = tmp_path / "guidelines"
    optimization(root, [("Keep facts.", 0.5), ("Keep facts; short.", 1.0)])
    sync_guidelines(root, "history", "acon-opt", PROMPT, uri)
    best = load_registered_guideline(PROMPT, "best", uri)
    assert best.text == "Keep facts; short." and best.version == 3 and best.kind == "history"
    assert best.lineage.parent == 2 and best.lineage.score == 1
    assert best.lineage.extra["registry_version"] == 3
    assert load_registered_guideline(PROMPT, 2, uri).text == "Keep facts."
    assert load_registered_guideline(PROMPT, "1", uri).lineage.step == "start"
    with pytest.raises(AconError, match="no-such-alias"):
        load_registered_guideline(PROMPT, "no-such-alias", uri)
    with pytest.raises(AconError, match="acon-nope-history"):
        load_registered_guideline("acon-nope-history", "best", uri)


def test_the_prompt_itself_carries_no_single_versions_lineage(store, tmp_path):
    uri, _ = store
    optimization(tmp_path / "guidelines", [("Keep facts.", 0.5)])
    sync_guidelines(tmp_path / "guidelines", "history", "acon-opt", PROMPT, uri)
    tags = mlflow_client(uri).get_prompt(PROMPT).tags
    assert tags.get("acon.kind") == "history" and "acon.score" not in tags
    assert "acon.source" not in tags and "acon.parent" not in tags
