"""GEPA (from the gepa package) optimizing the same guideline through the same system."""

from __future__ import annotations

from acon.composition import compose
from acon.estimate.plan import estimate
from acon.guidelines import GuidelineStore, load_guideline
from acon.llm import LLMSession, ModelSettings
from acon.llm.fake_server import FakeOpenAI
from acon.run_folder import RunFolder
from tests.support import optimize_composed, optimizer_overrides
from tests.support.brain import KEEP, brain


def gepa_config(fake, tmp_path):
    return compose(
        optimizer_overrides(
            fake,
            tmp_path,
            "optimizer=gepa",
            "optimizer.max_metric_calls=16",
            "optimizer.reflection_minibatch_size=2",
        )
    )


def run_gepa(fake, tmp_path):
    cfg = gepa_config(fake, tmp_path)
    with LLMSession(ModelSettings.of(cfg), tmp_path / "run") as llms:
        return optimize_composed(cfg, llms, RunFolder(tmp_path / "run"))


def test_gepa_finds_the_record_keeping_guideline(fake, tmp_path):
    report = run_gepa(fake, tmp_path)
    root = tmp_path / "run" / "guidelines"
    best = load_guideline("history", report.name, "best", root)
    seed = load_guideline("history", report.name, "baseline", root)
    assert report.method == "gepa" and KEEP in best.text and KEEP not in seed.text
    assert best.lineage.method == "gepa" and best.lineage.score > seed.lineage.score
    assert report.spent["calls"] > 0


def test_the_estimate_plans_gepas_budget_and_bounds_its_reflections(fake, tmp_path):
    """`dry_run=true optimizer=gepa` used to refuse ("follows optimizer=acon's loop")."""
    report = run_gepa(fake, tmp_path)
    planned = estimate(gepa_config(fake, tmp_path), "optimize")
    # GEPA's budget is its metric calls: every task evaluation, the seed's validation too
    assert planned.stages == {
        "optimizer: without compression": 4,
        "optimizer: GEPA's evaluations": 16,
    }
    # (16 - 4 validation tasks) / (2 minibatches of 2) reflections at most
    assert planned.bill.roles["optimizer"].calls == 3
    assert 0 < report.usage_by_role["optimizer"]["calls"] <= 3


def leaky(body):
    """The scripted system, with GEPA's proposal naming a training task."""
    reply = brain(body)
    if "Your output fields are:" not in body["messages"][0]["content"]:  # GEPA's prompt
        reply = reply.replace(KEEP, f"{KEEP} As train-001 showed.")
    return reply


def test_a_gepa_proposal_that_copies_training_task_text_is_rejected_unrolled(tmp_path):
    with FakeOpenAI(default=leaky) as fake:
        report = run_gepa(fake, tmp_path)
        guidelines = [
            r["messages"][0]["content"]
            for r in fake.requests
            if (r.get("response_format") or {}).get("json_schema", {}).get("name")
            == "compressed_summary"
        ]
    root = tmp_path / "run" / "guidelines"
    store = GuidelineStore(root)
    versions = [
        store.load("history", report.name, v) for v in store.versions("history", report.name)
    ]
    rejected = [g for g in versions if g.lineage.rejected]
    assert rejected and all("train-001" in g.text for g in rejected)
    assert rejected[0].lineage.leaks[0] == {
        "kind": "task_id",
        "task_id": "train-001",
        "text": "train-001",
    }
    assert not any("train-001" in g for g in guidelines)  # never given to the compressor
    assert KEEP not in load_guideline("history", report.name, "best", root).text
