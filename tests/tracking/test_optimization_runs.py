"""A scripted optimization (tests/support/brain.py), logged: the optimization's run,
every candidate a nested run, every version in the Prompt Registry with aliases."""

from __future__ import annotations

from acon.composition import compose
from acon.guidelines import GuidelineStore
from acon.llm import LLMSession, ModelSettings
from acon.run_folder import RunFolder
from acon.tracking import LiveOptimization, load_registered_guideline, log_optimization
from acon.tracking.store import mlflow_client
from tests.support import optimize_composed, optimizer_overrides, tracking_overrides


def test_an_optimization_logs_nested_candidates_and_registers_its_guidelines(fake, store, tmp_path):
    cfg = compose(
        [
            *optimizer_overrides(fake, tmp_path, "optimizer.n_candidates=2"),
            *tracking_overrides(store),
        ]
    )
    folder = RunFolder(tmp_path / "run")
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        report = optimize_composed(cfg, llms, folder)
    run_id = log_optimization(cfg, folder, report)

    root = folder.guidelines
    guidelines = GuidelineStore(root)
    numbers = guidelines.versions("history", "acon-opt")
    assert len(numbers) >= 3  # the start, UT candidates, CO candidates
    client = mlflow_client(store[0])
    run = client.get_run(run_id)
    assert run.data.tags["acon.verb"] == "optimize"
    assert run.data.params["optimizer.n_candidates"] == "2"
    assert run.data.metrics["best_version"] == report.best_version
    assert run.data.metrics["best/score"] == 1.0
    assert run.data.metrics["spent/calls"] == report.spent["calls"] > 0
    assert run.data.metrics["usage/optimizer/calls"] > 0

    children = client.search_runs(
        [run.info.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{run_id}'"
    )
    by_version = {int(c.data.params["version"]): c for c in children}
    assert sorted(by_version) == numbers
    for number, child in by_version.items():
        lineage = guidelines.load("history", "acon-opt", number).lineage
        assert child.data.params["step"] == lineage.step
        if lineage.parent is not None:
            assert child.data.params["parent"] == str(lineage.parent)
            assert child.data.params["round"] == str(lineage.round)
            assert child.data.metrics["score"] == lineage.score
            assert child.data.metrics["peak_tokens"] == lineage.peak_tokens
            assert child.data.metrics["guideline_tokens"] == lineage.guideline_tokens

    best = load_registered_guideline("acon-facts-history", "best", store[0])
    assert best.text == guidelines.load("history", "acon-opt", "best").text
    tags = best.lineage.extra["registry_tags"]
    assert tags["file_version"] == str(report.best_version) and tags["run_id"] == run_id
    assert load_registered_guideline("acon-facts-history", "baseline", store[0]).version == 1
    assert run.data.tags["acon.prompt_best"] == str(best.version)

    # logging the same optimization again adds no run and no prompt version
    assert log_optimization(cfg, folder, report) == run_id
    again = client.search_runs([run.info.experiment_id])
    assert len(again) == len(children) + 1
    assert len(client.search_prompt_versions("acon-facts-history")) == len(numbers)


def test_candidates_appear_in_mlflow_as_they_are_evaluated(fake, store, tmp_path):
    cfg = compose(
        [
            *optimizer_overrides(fake, tmp_path, "optimizer.n_candidates=2"),
            *tracking_overrides(store),
        ]
    )
    folder = RunFolder(tmp_path / "run")
    client = mlflow_client(store[0])
    seen = []

    with (
        LLMSession(ModelSettings.of(cfg), folder.path) as llms,
        LiveOptimization(cfg, folder) as live,
    ):

        def on_candidate():
            live.candidate()
            run = client.get_run(live.run_id)
            parent_is = f"tags.`mlflow.parentRunId` = '{live.run_id}'"
            children = client.search_runs([run.info.experiment_id], parent_is)
            scored = [c for c in children if "score" in c.data.metrics]
            seen.append((run.info.status, len(children), len(scored)))

        report = optimize_composed(cfg, llms, folder, on_candidate=on_candidate)
    versions = GuidelineStore(folder.guidelines).versions("history", "acon-opt")
    # the first proposal at once (beside the start), long before the last version existed
    assert seen[0][0] == "RUNNING" and 1 <= seen[0][1] < len(versions)
    assert any(n_scored for *_, n_scored in seen[:-1])  # scored ones before the end
    run_id = log_optimization(cfg, folder, report)
    assert run_id == live.run_id and client.get_run(run_id).info.status == "FINISHED"
