"""The Acon optimizer (UT, CO) end to end on the facts environment, every role scripted
(tests/support/brain.py) and served over HTTP, so the LLM layer, DSPy, rollouts and
caches are all real."""

from __future__ import annotations

import json

import pytest

from acon.composition import compose
from acon.errors import AconError
from acon.guidelines import GuidelineStore, load_guideline
from acon.llm import LLMSession, ModelSettings
from acon.llm.fake_server import FakeOpenAI
from acon.llm.usage import BudgetExceeded
from acon.optimize.proposal import StepFailed
from acon.run_folder import RunFolder
from environments.facts.config import FactsConfig
from environments.facts.env import FactsEnv
from tests.support import optimize_composed, optimizer_overrides
from tests.support.brain import KEEP, brain


def config(fake, tmp_path, *overrides):
    return compose(optimizer_overrides(fake, tmp_path, "optimizer.n_candidates=2", *overrides))


def optimize(cfg, run_dir):
    with LLMSession(ModelSettings.of(cfg), run_dir) as llms:
        report = optimize_composed(cfg, llms, RunFolder(run_dir))
        return report.to_dict(), llms.ledger.total()


def test_ut_then_co_finds_the_guideline_that_keeps_records_then_shortens_it(fake, tmp_path):
    report, _ = optimize(config(fake, tmp_path), tmp_path / "run")
    root = tmp_path / "run" / "guidelines"
    ut, co = report["steps"]
    assert ut["step"] == "ut" and ut["feedback_mode"] == "contrastive" and ut["improved"]
    assert co["step"] == "co" and co["improved"]
    after_ut = load_guideline("history", "acon-opt", ut["best_version"], root)
    assert KEEP in after_ut.text
    assert after_ut.lineage.parent == 1 and after_ut.lineage.step == "ut"
    assert after_ut.lineage.score == 1.0
    assert any("dropped the employee records" in f for f in after_ut.lineage.feedback)
    losing = [c for c in ut["candidates"] if c["version"] != ut["best_version"]]
    assert losing and all(c["score"] < 1.0 for c in losing)
    best = load_guideline("history", "acon-opt", "best", root)
    assert best.version == co["best_version"] == report["best_version"]
    assert best.text == f"Summarize.\n{KEEP}" and best.lineage.parent == ut["best_version"]
    assert GuidelineStore(root).aliases("history", "acon-opt")["baseline"] == 1
    assert (
        load_guideline("history", "acon-opt", 1, root).lineage.origin == "prompting v1"
    )  # Table 13
    assert report["spent"]["calls"] > 0
    # each step's cost covers its rollouts, feedback and proposals: together, everything
    assert ut["usage"]["calls"] + co["usage"]["calls"] == report["spent"]["calls"]
    assert ut["usage"]["tokens"] + co["usage"]["tokens"] == report["spent"]["tokens"]
    assert json.loads((tmp_path / "run" / "optimizer_report.json").read_text())["name"]


def test_selection_runs_where_the_papers_does_unless_padded(fake, tmp_path):
    """UT's candidates are scored on the contrastive set and CO's on the compressed
    successes (the paper); `optimizer.pad_selection=true` fills up with other tasks."""
    report, _ = optimize(config(fake, tmp_path), tmp_path / "run")
    root = tmp_path / "run" / "guidelines"
    ut, co = report["steps"]
    contrastive = ut["feedback_tasks"]
    assert 0 < len(contrastive) < 4  # the one-fact tasks survive the start's summary
    for c in ut["candidates"]:
        lineage = load_guideline("history", "acon-opt", c["version"], root).lineage
        assert lineage.evaluated_on == contrastive
    for c in co["candidates"]:
        lineage = load_guideline("history", "acon-opt", c["version"], root).lineage
        assert lineage.evaluated_on == co["feedback_tasks"]
    padded, _ = optimize(config(fake, tmp_path, "optimizer.pad_selection=true"), tmp_path / "pad")
    version = padded["steps"][0]["candidates"][0]["version"]
    padded_root = tmp_path / "pad" / "guidelines"
    lineage = load_guideline("history", "acon-opt", version, padded_root).lineage
    assert lineage.evaluated_on[: len(contrastive)] == contrastive
    assert len(lineage.evaluated_on) == 4  # optimizer.selection_tasks


def test_no_caps_by_default_every_task_of_a_steps_set_teaches_and_selects(fake, tmp_path):
    """The paper's protocol (Section 3.3, Eq. 9; Appendix B.3): UT's feedback comes from
    every contrastive task, concatenated, and its candidates are scored on all of them; CO
    reads and selects on every compressed success. Caps are budget options."""
    cfg = config(fake, tmp_path, "optimizer.selection_tasks=null")
    assert cfg.optimizer.feedback_tasks is None and cfg.optimizer.feedback_sample is None
    report, _ = optimize(cfg, tmp_path / "run")
    root = tmp_path / "run" / "guidelines"
    for step in report["steps"]:
        assert step["feedback_tasks"] == step["task_set"] and step["task_set"]
        for c in step["candidates"]:
            evaluated = load_guideline("history", "acon-opt", c["version"], root).lineage
            assert evaluated.evaluated_on == step["task_set"]
    co = report["steps"][1]
    assert len(co["task_set"]) > 1  # more than one success: not one cap's worth
    capped, _ = optimize(config(fake, tmp_path, "optimizer.feedback_tasks=1"), tmp_path / "cap")
    assert all(len(s["feedback_tasks"]) == 1 for s in capped["steps"])


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


def test_append_proposals_add_instructions_to_the_parent(fake, tmp_path):
    """`optimizer.ut_proposal=append`: the optimizer writes only new instructions, and the
    candidate is the parent guideline with them appended."""
    cfg = config(fake, tmp_path, "optimizer.steps=[ut]", "optimizer.ut_proposal=append")
    report, _ = optimize(cfg, tmp_path / "run")
    (ut,) = report["steps"]
    root = tmp_path / "run" / "guidelines"
    start = load_guideline("history", "acon-opt", 1, root).text
    best = load_guideline("history", "acon-opt", ut["best_version"], root).text
    assert ut["improved"] and best == f"{start.rstrip()}\n{KEEP}"
    texts = {
        load_guideline("history", "acon-opt", c["version"], root).text for c in ut["candidates"]
    }
    assert texts == {best, f"{start.rstrip()}\nVariant 1: be brief."}
    asked = [r for r in fake.requests if "new_instructions" in json.dumps(r)]
    assert len(asked) == 2 and all("new_guideline" not in json.dumps(r) for r in asked)


def test_an_unknown_proposal_kind_is_one_sentence(fake, tmp_path):
    with pytest.raises(AconError, match="ut_proposal.*use one of rewrite, append"):
        config(fake, tmp_path, "optimizer.ut_proposal=edit")


def test_no_failures_means_ut_is_skipped(fake, tmp_path):
    cfg = config(
        fake, tmp_path, "optimizer.steps=[ut]", "agent.context.history_threshold_tokens=100000"
    )
    report, _ = optimize(cfg, tmp_path / "run")
    assert report["steps"][0]["skipped"] == "no compressed run failed: nothing to fix"
    assert report["best_version"] == 1


def test_steps_run_in_the_order_given_and_a_second_ut_is_a_real_step(fake, tmp_path):
    """`[ut, co, ut]` (the paper's Table 14) is three steps: the second UT starts from what
    CO kept, and a rerun resumes by position instead of replaying the first UT."""
    cfg = config(fake, tmp_path, "optimizer.steps=[ut,co,ut]")
    report, _ = optimize(cfg, tmp_path / "run")
    ut1, co, ut2 = report["steps"]
    assert [(s["position"], s["step"]) for s in (ut1, co, ut2)] == [(0, "ut"), (1, "co"), (2, "ut")]
    assert co["parent_version"] == ut1["best_version"]
    assert ut2["parent_version"] == co["best_version"]  # not a replay of the first UT
    assert report["best_version"] == (
        ut2["best_version"] if ut2["improved"] else co["best_version"]
    )
    requests = len(fake.requests)
    again, usage = optimize(cfg, tmp_path / "run")
    assert again["steps"] == report["steps"] and usage.calls == 0 and len(fake.requests) == requests
    with pytest.raises(AconError, match=r"optimizer.steps=\['ut', 'co', 'ut'\], not \['ut'\]"):
        optimize(config(fake, tmp_path, "optimizer.steps=[ut]"), tmp_path / "run")


def test_the_optimizer_picks_the_compression_it_optimizes(fake, tmp_path):
    """Without `compression/history=guideline` the optimizer uses the guideline strategy
    for the kind it optimizes (its rollouts are the same configuration)."""
    picked = compose(
        [
            o
            for o in optimizer_overrides(fake, tmp_path, "optimizer.n_candidates=2")
            if o != "compression/history=guideline"
        ]
    )
    assert picked.compression.history._target_ is None  # no compression configured
    report, _ = optimize(picked, tmp_path / "run")
    explicit, _ = optimize(config(fake, tmp_path), tmp_path / "other")
    assert report["best_version"] == explicit["best_version"]
    assert [s["candidates"] for s in report["steps"]] == [
        s["candidates"] for s in explicit["steps"]
    ]


def garbled(samples):
    """The scripted system, with the proposals of the given sample indices unparseable."""

    def answer(body):
        system = body["messages"][0]["content"]
        proposal = "`new_guideline`" in system and (body.get("seed", 42) - 42) in samples
        return "I would rather not say." if proposal else brain(body)

    return answer


def test_unusable_proposals_are_counted_with_their_reason(tmp_path):
    with FakeOpenAI(default=garbled({1})) as fake:
        report, _ = optimize(config(fake, tmp_path, "optimizer.steps=[ut]"), tmp_path / "run")
    (ut,) = report["steps"]
    assert ut["proposals"] == 2 and len(ut["candidates"]) == 1 and ut["improved"]
    assert ut["unusable"] and all(
        r.startswith("ProposeGuideline: unparseable") for r in ut["unusable"]
    )


def test_a_step_whose_every_proposal_is_unusable_fails_loudly(tmp_path):
    unusable = pytest.raises(StepFailed, match="Every one of the 2 UT proposals was unusable")
    with FakeOpenAI(default=garbled({0, 1})) as fake, unusable:
        optimize(config(fake, tmp_path, "optimizer.steps=[ut]"), tmp_path / "run")


class OutageForKeepers:
    """The scripted system, except that task `task_id`'s agent calls fail (HTTP 503) once
    its context holds a summary that kept the records (the KEEP candidate's rollouts)."""

    def __init__(self, task_id):
        tasks = FactsEnv(FactsConfig(filler_lines=4)).tasks("train")
        self.prompt = next(t.instruction for t in tasks if t.id == task_id)

    def __call__(self, body):
        messages = body["messages"]
        kept = any("earlier steps:\nEmployee:" in (m.get("content") or "") for m in messages)
        if len(messages) > 1 and messages[1]["content"] == self.prompt and kept:
            return 503
        return brain(body)


def test_a_task_that_errors_for_a_candidate_is_left_out_for_every_candidate(tmp_path):
    """Candidates are compared on the tasks every one of them finished: a task that errored
    for one is named in the step, the lineage and the report, and scored for none."""
    outage = OutageForKeepers("train-001")  # one candidate errors on it, the rest finish
    with FakeOpenAI(default=outage) as fake:
        cfg = config(fake, tmp_path, "optimizer.steps=[ut]", "llm.common.max_retries=0")
        report, _ = optimize(cfg, tmp_path / "run")
    (ut,) = report["steps"]
    assert ut["errored_tasks"] == ["train-001"] and report["errored_tasks"] == ["train-001"]
    lineage = load_guideline(
        "history", "acon-opt", ut["candidates"][0]["version"], tmp_path / "run" / "guidelines"
    ).lineage
    assert lineage.errored_tasks == ["train-001"] and "train-001" not in lineage.evaluated_on
    assert (
        ut["improved"]
        and KEEP
        in load_guideline("history", "acon-opt", "best", tmp_path / "run" / "guidelines").text
    )


def leaky(body):
    """The scripted system, with its good proposal (sample 0) naming a training task."""
    reply = brain(body)
    system = body["messages"][0]["content"]
    if "`new_guideline`" in system and body.get("seed", 42) == 42 and "shorter" not in system:
        reply = reply.replace(KEEP, f"{KEEP} As train-001 showed.")
    return reply


@pytest.mark.parametrize("reject", [True, False])
def test_a_candidate_that_copies_training_task_text_is_reported_and_by_default_rejected(
    tmp_path, reject
):
    with FakeOpenAI(default=leaky) as fake:
        cfg = config(fake, tmp_path, "optimizer.steps=[ut]", f"optimizer.leakage.reject={reject}")
        report, _ = optimize(cfg, tmp_path / "run")
    (ut,) = report["steps"]
    (leak,) = ut["leaking"]
    assert leak["leaks"] == [{"kind": "task_id", "task_id": "train-001", "text": "train-001"}]
    assert leak["rejected"] is reject
    stored = load_guideline("history", "acon-opt", leak["version"], tmp_path / "run" / "guidelines")
    assert "train-001" in stored.text and stored.lineage.leaks == leak["leaks"]
    assert stored.lineage.rejected == ("copies training-task text" if reject else None)
    evaluated = [c["version"] for c in ut["candidates"]]
    # rejected: never rolled out, and the useless other candidate does not improve on v1
    assert (leak["version"] in evaluated) is not reject
    assert ut["improved"] is not reject
