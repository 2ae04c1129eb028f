"""One UT step with the real local model in every role (see tests/conftest.py)."""

from __future__ import annotations

import pytest

from acon.compression.guidelines import load_guideline, versions
from acon.config import compose
from acon.llm import LLMSession
from acon.optimize.loop import GuidelineOptimizer

pytestmark = pytest.mark.integration


def test_one_ut_step_with_the_local_model_registers_a_new_version(local_llm_ready, tmp_path):
    cfg = compose([
        f"llm.cache.dir={tmp_path / 'responses'}",
        f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
        "compression/history=guideline", "compression.history.threshold_tokens=300",
        "env.filler_lines=6", "agent.max_steps=3", "llm.agent.max_tokens=100",
        "llm.compressor.max_tokens=200", "llm.optimizer.max_tokens=400",
        "optimizer.steps=[ut]", "optimizer.n_tasks=2", "optimizer.selection_tasks=1",
        "optimizer.n_candidates=1", "optimizer.feedback_tasks=1",
        "optimizer.max_context_chars=3000",
    ])  # fmt: skip
    run_dir = tmp_path / "run"
    with LLMSession(cfg, run_dir) as llms:
        report = GuidelineOptimizer(cfg, llms, run_dir).run()
    (ut,) = report["steps"]
    root = run_dir / "guidelines"
    if ut["skipped"]:  # every compressed run succeeded: honest, but nothing to register
        pytest.fail(f"UT had nothing to learn from with this seed: {ut['skipped']}")
    assert versions("history", "acon-opt", root) == [1, 2]
    candidate = load_guideline("history", "acon-opt", 2, root)
    assert candidate.text and candidate.lineage["step"] == "ut"
    assert candidate.lineage["parent"] == 1 and "score" in candidate.lineage
    assert report["spent"]["calls"] > 0
    assert report["usage_by_role"]["optimizer"]["calls"] >= 2  # feedback + a proposal
