"""One UT step with the real local model in every role, on a few QA tasks, logged to a
real MLflow store: the optimized guideline shows up as a new Prompt Registry version."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.guidelines import GuidelineStore
from acon.llm import LLMSession, ModelSettings
from acon.run_folder import RunFolder
from acon.tracking import log_optimization, prompt_name
from acon.tracking.store import mlflow_client
from tests.support import optimize_composed, tracking_overrides

pytestmark = pytest.mark.integration


def test_one_ut_step_on_qa_with_the_local_model_registers_a_new_version(
    local_llm_ready, store, tmp_path
):
    cfg = compose(
        [
            *tracking_overrides(store),
            f"llm.cache.dir={tmp_path / 'responses'}",
            f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
            "env=qa",
            "env.questions_per_task=2",
            "compression/history=guideline",
            "agent.context.history_threshold_tokens=600",
            "agent.max_steps=4",
            "llm.agent.max_tokens=100",
            "llm.compressor.max_tokens=200",
            "llm.optimizer.max_tokens=800",
            "optimizer.steps=[ut]",
            "optimizer.n_tasks=2",
            "optimizer.selection_tasks=1",
            "optimizer.n_candidates=1",
            "optimizer.feedback_tasks=1",
            "optimizer.max_context_tokens=750",
        ]
    )
    folder = RunFolder(tmp_path / "run")
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        report = optimize_composed(cfg, llms, folder)
    (ut,) = report.steps
    if ut.skipped:  # every compressed run succeeded: honest, but nothing to register
        pytest.fail(f"UT had nothing to learn from with this seed: {ut.skipped}")
    assert ut.feedback_mode in ("contrastive", "failures (fallback: empty contrastive set)")
    assert not report.errored_tasks  # the local server answered every call
    guidelines = GuidelineStore(folder.guidelines)
    assert guidelines.versions("history", "acon-opt") == [1, 2]
    candidate = guidelines.load("history", "acon-opt", 2)
    assert candidate.text and candidate.lineage.step == "ut"
    assert candidate.lineage.parent == 1 and candidate.lineage.score is not None
    assert report.usage_by_role["optimizer"]["calls"] >= 2  # feedback + a proposal

    log_optimization(cfg, folder, report)
    client = mlflow_client(store[0])
    prompt = prompt_name("qa", "history")
    registered = client.get_prompt_version(prompt, 2)
    assert registered.template.strip() == candidate.text.strip()
    assert registered.tags["acon.step"] == "ut" and registered.tags["acon.parent"] == "1"
    assert client.get_prompt_version_by_alias(prompt, "baseline").version == 1
