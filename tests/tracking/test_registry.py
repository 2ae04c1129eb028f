"""Guideline versions in the MLflow Prompt Registry: versions, lineage tags, aliases,
idempotent syncs, and reading a version or alias back."""

from __future__ import annotations

import pytest

from acon.compression.guidelines import save_guideline, set_alias, update_lineage
from acon.errors import AconError
from acon.tracking import load_registered_guideline, prompt_name, sync_guidelines
from acon.tracking.store import mlflow_client

PROMPT = prompt_name("facts", "history")


def optimization(root, texts_scores):
    """A file store like the optimizer writes: v1 the start, then a chain of candidates."""
    g = save_guideline("history", "acon-opt", "Start text.", root,
                       lineage={"step": "start", "origin": "acon v1"})  # fmt: skip
    set_alias("history", "acon-opt", "baseline", g.version, root)
    set_alias("history", "acon-opt", "best", g.version, root)
    parent = g.version
    for i, (text, score) in enumerate(texts_scores, 1):
        step = "ut" if i == 1 else "co"
        lineage = {"parent": parent, "step": step, "round": 1,
                   "feedback": ["long feedback " * 50], "method": "acon"}  # fmt: skip
        g = save_guideline("history", "acon-opt", text, root, lineage=lineage)
        update_lineage("history", "acon-opt", g.version, root, score=score,
                       peak_tokens=812.5, guideline_tokens=40)  # fmt: skip
        parent = g.version
    set_alias("history", "acon-opt", "best", parent, root)


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

    # a second optimization appends its versions; aliases follow the latest sync
    other = tmp_path / "opt2" / "guidelines"
    optimization(other, [("Another text.", 0.75)])
    assert sync_guidelines(other, "history", "acon-opt", PROMPT, uri) == {1: 4, 2: 5}
    assert client.get_prompt_version(PROMPT, 5).tags["acon.parent"] == "4"
    assert client.get_prompt_version_by_alias(PROMPT, "best").version == 5
    assert client.get_prompt_version_by_alias(PROMPT, "baseline").version == 4


def test_load_a_registered_guideline_by_alias_or_version(store, tmp_path):
    uri, _ = store
    root = tmp_path / "guidelines"
    optimization(root, [("Keep facts.", 0.5), ("Keep facts; short.", 1.0)])
    sync_guidelines(root, "history", "acon-opt", PROMPT, uri)
    best = load_registered_guideline(PROMPT, "best", uri)
    assert best.text == "Keep facts; short." and best.version == 3 and best.kind == "history"
    assert best.lineage["parent"] == "2" and best.lineage["score"] == "1"
    assert best.lineage["registry_version"] == 3
    assert load_registered_guideline(PROMPT, 2, uri).text == "Keep facts."
    assert load_registered_guideline(PROMPT, "1", uri).lineage["step"] == "start"
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
