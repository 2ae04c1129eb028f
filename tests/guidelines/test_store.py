"""The guideline store: versions, aliases, lineage, and the shipped guidelines."""

from __future__ import annotations

import json

import pytest

from acon.composition import compose
from acon.errors import AconError
from acon.guidelines import SHIPPED, GuidelineStore, Lineage, load_guideline, text_sha


def test_versions_number_up_and_carry_their_lineage(tmp_path):
    store = GuidelineStore(tmp_path)
    first = store.add("history", "opt", "Keep ids.\n", Lineage(step="start", origin="acon v1"))
    second = store.add("history", "opt", "Keep ids and dates.", Lineage(parent=1, step="ut"))
    assert (first.version, second.version) == (1, 2) and store.versions("history", "opt") == [1, 2]
    loaded = store.load("history", "opt", 2)
    assert loaded.text == "Keep ids and dates." and loaded.lineage.parent == 1
    assert loaded.lineage.text_sha == text_sha("Keep ids and dates.") == second.lineage.text_sha
    assert store.load("history", "opt").version == 2  # latest
    assert json.loads((tmp_path / "history/opt/v1.json").read_text())["origin"] == "acon v1"


def test_updates_and_aliases(tmp_path):
    store = GuidelineStore(tmp_path)
    store.add("history", "opt", "A.")
    store.add("history", "opt", "B.")
    store.update("history", "opt", 2, score=0.75, evaluated_on=["t1"])
    assert store.load("history", "opt", 2).lineage.score == 0.75
    store.set_alias("history", "opt", "best", 2)
    store.set_alias("history", "opt", "baseline", 1)
    assert store.aliases("history", "opt") == {"best": 2, "baseline": 1}
    assert store.load("history", "opt", "best").text == "B."
    assert store.load("history", "opt", "1").text == "A."


def test_lineage_fields_go_where_their_metadata_says():
    lineage = Lineage(
        version=3,
        parent=2,
        step="co",
        round=1,
        score=1.0,
        peak_tokens=812.5,
        guideline_tokens=40,
        feedback=["long"],
        evaluated_on=["t1"],
    )
    assert lineage.metrics() == {"score": 1.0, "peak_tokens": 812.5, "guideline_tokens": 40.0}
    assert lineage.params() == {"version": 3, "step": "co", "round": 1, "parent": 2}
    tags = lineage.tags()
    assert "feedback" not in tags and "evaluated_on" not in tags and tags["score"] == 1.0
    back = Lineage.from_tags({k: json.dumps(v) for k, v in tags.items()}, version=3)
    assert (back.parent, back.score, back.step) == (2, 1.0, "co")


def test_older_lineage_files_keep_what_they_had(tmp_path):
    store = GuidelineStore(tmp_path)
    store.add("history", "opt", "A.")
    (tmp_path / "history/opt/v1.json").write_text(json.dumps({"version": 1, "legacy": "x"}))
    assert store.load("history", "opt", 1).lineage.extra == {"legacy": "x"}


def test_unknown_names_versions_and_aliases_name_the_fix(tmp_path):
    store = GuidelineStore(tmp_path)
    store.add("history", "opt", "A.")
    with pytest.raises(AconError, match="No history guideline named 'nope'.*use one of opt"):
        store.load("history", "nope")
    with pytest.raises(AconError, match="no version 7: available 1"):
        store.load("history", "opt", 7)
    with pytest.raises(AconError, match="no alias 'best'"):
        store.load("history", "opt", "best")
    with pytest.raises(AconError, match="Unknown guideline kind"):
        store.load("memory", "opt")


def test_the_shipped_guidelines():
    assert SHIPPED.names("history") == ["memento", "one_line", "prompting", "sectioned"]
    assert SHIPPED.names("observation") == ["offload", "one_line", "prompting", "sectioned"]
    for kind in ("history", "observation"):
        # the paper's Prompting baseline is human-engineered (Appendix B.3), not a one-liner
        assert len(load_guideline(kind, "prompting").text.splitlines()) >= 10
    assert load_guideline("history", "one_line").text == (
        "Summarize the interaction history concisely."
    )
    assert "Variables" in load_guideline("history", "sectioned").text


def test_one_starting_prompt_the_papers_prompting_baseline():
    """The paper's Prompting baseline (Section 4.1, baseline 5) is where its optimization
    starts (Table 13's caption: the compressor "before compression guideline optimization";
    Appendix D): one prompt per kind, the same for the start and the baseline row."""
    cfg = compose(["compression/history=guideline", "compression/observation=prompting"])
    assert cfg.optimizer.start.name == "prompting" and cfg.optimizer.start.dir is None
    assert cfg.compression.history.guideline.name == "prompting"
    assert cfg.compression.observation.guideline.name == "prompting"
    prompting = compose(["compression/history=prompting"]).compression.history
    guideline = compose(["compression/history=guideline"]).compression.history
    assert prompting == guideline  # one strategy: the Prompting row is the start's row
    for kind in ("history", "observation"):
        observed = compose([f"compression/{kind}=guideline", f"optimizer.kind={kind}"])
        assert observed.optimizer.start.name == observed.compression[kind].guideline.name
