"""GEPA (from the gepa package) optimizing the same guideline through the same system."""

from __future__ import annotations

from acon.compression.guidelines import load_guideline
from acon.llm import LLMSession
from acon.optimize.gepa_adapter import run_gepa
from tests.optimize.brain import KEEP
from tests.optimize.test_optimizer import config, fake  # noqa: F401 - the fixture


def test_gepa_finds_the_record_keeping_guideline(fake, tmp_path):  # noqa: F811
    cfg = config(
        fake,
        tmp_path,
        "optimizer.method=gepa",
        "optimizer.gepa.max_metric_calls=16",
        "optimizer.gepa.reflection_minibatch_size=2",
    )
    with LLMSession(cfg, tmp_path / "run") as llms:
        report = run_gepa(cfg, llms, tmp_path / "run")
    root = tmp_path / "run" / "guidelines"
    best = load_guideline("history", report["name"], "best", root)
    seed = load_guideline("history", report["name"], "baseline", root)
    assert KEEP in best.text and KEEP not in seed.text
    assert best.lineage["method"] == "gepa" and best.lineage["score"] > seed.lineage["score"]
    assert report["spent"]["calls"] > 0
