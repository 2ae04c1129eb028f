"""A scripted optimization (tests/optimize/brain.py), logged: the optimization's run,
every candidate a nested run, every version in the Prompt Registry with aliases."""

from __future__ import annotations

from acon.compression.guidelines import load_guideline, versions
from acon.config import compose
from acon.llm import LLMSession
from acon.optimize.loop import GuidelineOptimizer
from acon.tracking import load_registered_guideline, log_optimization
from acon.tracking.store import mlflow_client
from tests.conftest import tracking_overrides
from tests.tracking.conftest import scripted_overrides


def test_an_optimization_logs_nested_candidates_and_registers_its_guidelines(fake, store, tmp_path):
    cfg = compose([
        *scripted_overrides(fake, tmp_path), *tracking_overrides(store),
        f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
        "compression/history=guideline", "compression.history.threshold_tokens=250",
        "agent.max_steps=6", "optimizer.n_tasks=4", "optimizer.selection_tasks=4",
        "optimizer.n_candidates=2",
    ])  # fmt: skip
    run_dir = tmp_path / "run"
    with LLMSession(cfg, run_dir) as llms:
        report = GuidelineOptimizer(cfg, llms, run_dir).run()
    run_id = log_optimization(cfg, run_dir, report)

    root = run_dir / "guidelines"
    numbers = versions("history", "acon-opt", root)
    assert len(numbers) >= 3  # the start, UT candidates, CO candidates
    client = mlflow_client(store[0])
    run = client.get_run(run_id)
    assert run.data.tags["acon.verb"] == "optimize"
    assert run.data.params["optimizer.n_candidates"] == "2"
    assert run.data.metrics["best_version"] == report["best_version"]
    assert run.data.metrics["best/score"] == 1.0
    assert run.data.metrics["spent/calls"] == report["spent"]["calls"] > 0
    assert run.data.metrics["usage/optimizer/calls"] > 0

    children = client.search_runs(
        [run.info.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{run_id}'"
    )
    by_version = {int(c.data.params["version"]): c for c in children}
    assert sorted(by_version) == numbers
    for number, child in by_version.items():
        lineage = load_guideline("history", "acon-opt", number, root).lineage
        assert child.data.params["step"] == lineage["step"]
        if "parent" in lineage:
            assert child.data.params["parent"] == str(lineage["parent"])
            assert child.data.params["round"] == str(lineage["round"])
            assert child.data.metrics["score"] == lineage["score"]
            assert child.data.metrics["peak_tokens"] == lineage["peak_tokens"]
            assert child.data.metrics["guideline_tokens"] == lineage["guideline_tokens"]

    best = load_registered_guideline("acon-facts-history", "best", store[0])
    assert best.text == load_guideline("history", "acon-opt", "best", root).text
    assert best.lineage["file_version"] == str(report["best_version"])
    assert best.lineage["run_id"] == run_id
    assert load_registered_guideline("acon-facts-history", "baseline", store[0]).version == 1
    assert run.data.tags["acon.prompt_best"] == str(best.version)

    # logging the same optimization again adds no run and no prompt version
    assert log_optimization(cfg, run_dir, report) == run_id
    again = client.search_runs([run.info.experiment_id])
    assert len(again) == len(children) + 1
    assert len(client.search_prompt_versions("acon-facts-history")) == len(numbers)
