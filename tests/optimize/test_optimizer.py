"""The optimizer end to end on the facts environment, every role scripted (see brain.py)
and served over HTTP, so the LLM layer, DSPy, rollouts and caches are all real."""

from __future__ import annotations

import json

import pytest

from acon.compression.guidelines import load_guideline, read_aliases
from acon.config import compose
from acon.llm import LLMSession
from acon.llm.fake_server import FakeOpenAI
from acon.llm.usage import BudgetExceeded
from acon.optimize.loop import GuidelineOptimizer
from tests.optimize.brain import KEEP, brain


@pytest.fixture
def fake():
    with FakeOpenAI(default=brain) as server:
        yield server


def config(fake, tmp_path, *overrides):
    return compose([
        f"llm.common.base_url={fake.base_url}", "llm.common.model=scripted",
        f"llm.cache.dir={tmp_path / 'responses'}",
        f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
        "compression/history=guideline", "compression.history.threshold_tokens=250",
        "env.filler_lines=4", "agent.max_steps=6",
        "optimizer.n_tasks=4", "optimizer.selection_tasks=4", "optimizer.n_candidates=2",
        *overrides,
    ])  # fmt: skip


def optimize(cfg, run_dir):
    with LLMSession(cfg, run_dir) as llms:
        return GuidelineOptimizer(cfg, llms, run_dir).run(), llms.ledger.total()


def test_ut_then_co_finds_the_guideline_that_keeps_records_then_shortens_it(fake, tmp_path):
    report, _ = optimize(config(fake, tmp_path), tmp_path / "run")
    root = tmp_path / "run" / "guidelines"
    ut, co = report["steps"]
    assert ut["step"] == "ut" and ut["feedback_mode"] == "contrastive" and ut["improved"]
    assert co["step"] == "co" and co["improved"]
    after_ut = load_guideline("history", "acon-opt", ut["best_version"], root)
    assert KEEP in after_ut.text
    assert after_ut.lineage["parent"] == 1 and after_ut.lineage["step"] == "ut"
    assert after_ut.lineage["score"] == 1.0
    assert any("dropped the employee records" in f for f in after_ut.lineage["feedback"])
    losing = [c for c in ut["candidates"] if c["version"] != ut["best_version"]]
    assert losing and all(c["score"] < 1.0 for c in losing)
    best = load_guideline("history", "acon-opt", "best", root)
    assert best.version == co["best_version"] == report["best_version"]
    assert best.text == f"Summarize.\n{KEEP}" and best.lineage["parent"] == ut["best_version"]
    assert read_aliases("history", "acon-opt", root)["baseline"] == 1
    assert load_guideline("history", "acon-opt", 1, root).lineage["origin"] == "acon v1"
    assert report["spent"]["calls"] > 0
    # each step's cost covers its rollouts, feedback and proposals: together, everything
    assert ut["usage"]["calls"] + co["usage"]["calls"] == report["spent"]["calls"]
    assert ut["usage"]["tokens"] + co["usage"]["tokens"] == report["spent"]["tokens"]
    assert json.loads((tmp_path / "run" / "optimizer_report.json").read_text())["name"]


def test_a_finished_optimization_reruns_without_a_call(fake, tmp_path):
    optimize(config(fake, tmp_path), tmp_path / "run")
    requests = len(fake.requests)
    report, usage = optimize(config(fake, tmp_path), tmp_path / "run")
    assert len(fake.requests) == requests and usage.calls == 0
    assert (
        report["best_version"]
        == load_guideline("history", "acon-opt", "best", tmp_path / "run" / "guidelines").version
    )


def test_budget_refusal_then_resume_pays_only_for_what_is_new(fake, tmp_path):
    with pytest.raises(BudgetExceeded, match="budget of 20 calls is spent"):
        optimize(config(fake, tmp_path, "optimizer.budget.max_calls=20"), tmp_path / "run")
    first = len(fake.requests)
    assert first == 20  # refused before the 21st call was sent
    report, _ = optimize(config(fake, tmp_path), tmp_path / "run")
    resumed = len(fake.requests) - first
    fresh = optimize(config(fake, tmp_path / "other"), tmp_path / "other" / "run")[0]
    # no call was paid twice, and the budget's count carried over the interruption
    assert first + resumed == fresh["spent"]["calls"] == report["spent"]["calls"]
    assert report["best_version"] == fresh["best_version"]


def test_ut_only_variant_and_failures_only_ablation(fake, tmp_path):
    cfg = config(fake, tmp_path, "optimizer.steps=[ut]", "optimizer.contrastive=false")
    report, _ = optimize(cfg, tmp_path / "run")
    (ut,) = report["steps"]
    assert ut["feedback_mode"] == "failures" and ut["improved"]


def test_no_failures_means_ut_is_skipped(fake, tmp_path):
    cfg = config(
        fake, tmp_path, "optimizer.steps=[ut]", "compression.history.threshold_tokens=100000"
    )
    report, _ = optimize(cfg, tmp_path / "run")
    assert report["steps"][0]["skipped"] == "no compressed run failed: nothing to fix"
    assert report["best_version"] == 1
