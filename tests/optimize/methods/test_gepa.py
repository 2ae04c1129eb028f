"""GEPA (from the gepa package) optimizing the same guideline through the same system."""

from __future__ import annotations

from acon.config.composition import compose
from acon.guidelines import load_guideline
from acon.llm import LLMSession
from acon.optimize import optimize
from acon.run_folder import RunFolder
from tests.support import optimizer_overrides
from tests.support.brain import KEEP


def test_gepa_finds_the_record_keeping_guideline(fake, tmp_path):
    cfg = compose(optimizer_overrides(
        fake, tmp_path, "optimizer=gepa", "optimizer.max_metric_calls=16",
        "optimizer.reflection_minibatch_size=2",
    ))  # fmt: skip
    with LLMSession(cfg, tmp_path / "run") as llms:
        report = optimize(cfg, llms, RunFolder(tmp_path / "run"))
    root = tmp_path / "run" / "guidelines"
    best = load_guideline("history", report.name, "best", root)
    seed = load_guideline("history", report.name, "baseline", root)
    assert report.method == "gepa" and KEEP in best.text and KEEP not in seed.text
    assert best.lineage.method == "gepa" and best.lineage.score > seed.lineage.score
    assert report.spent["calls"] > 0
