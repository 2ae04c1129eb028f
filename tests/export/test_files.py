"""`export_guideline`: every form written, and the JSON keeps lineage and measured figures."""

from __future__ import annotations

import json

from acon.export import export_guideline
from acon.export.targets import TARGETS
from acon.guidelines import load_guideline


def test_export_round_trip(guidelines, tmp_path):
    best = load_guideline("history", "acon-opt", "best", guidelines)
    txt, template, meta, *others = export_guideline(best, tmp_path / "out")
    assert txt.read_text().strip() == "Keep ids and dates."
    assert (
        template.read_text().count("$history") == 1
        and "Keep ids and dates." in template.read_text()
    )
    data = json.loads(meta.read_text())
    assert (data["name"], data["version"], data["kind"]) == ("acon-opt", 2, "history")
    assert data["lineage"]["parent"] == 1 and data["lineage"]["score"] == 0.8
    assert data["measured"]["score"] == 0.8
    assert data["text"] == best.text and data["output_field"] == "summary"
    usage = (tmp_path / "out" / "USAGE.md").read_text()
    assert all(f"## {t.title}" in usage for t in TARGETS)
    names = {p.name for p in others}
    assert names >= {
        "history-acon-opt-v2.langchain.txt",
        "history-acon-opt-v2.dspy.py",
        "history-acon-opt-v2.letta.json",
        "history-acon-opt-v2.anthropic.json",
        "history-acon-opt-v2.openhands.j2",
        "USAGE.md",
    }


def test_an_observation_guideline_goes_to_dspy_alone(guidelines, tmp_path):
    obs = load_guideline("observation", "obs", "latest", guidelines)
    written = export_guideline(obs, tmp_path / "out")
    assert {p.name for p in written[3:]} == {"observation-obs-v1.dspy.py", "USAGE.md"}
    assert "Not for observation guidelines" in (tmp_path / "out" / "USAGE.md").read_text()
