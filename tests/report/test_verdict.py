"""The main job's verdict: plain sentences that never claim more than the paired tests."""

from __future__ import annotations

from acon.composition import compose
from acon.guidelines import GuidelineStore, Lineage
from acon.optimize.report import OptimizationReport, StepOutcome
from acon.report.build import collect
from acon.report.tables import comparison_table
from acon.report.verdict import verdict
from tests.report.test_report import make_run, row

OPTIMIZED = "History: Acon (acon-opt v3)"
START = "History: Prompting"
TASKS = [f"t{i}" for i in range(10)]


def report(best: int = 3) -> OptimizationReport:
    ut = StepOutcome(
        round=1,
        position=0,
        step="ut",
        parent_version=1,
        best_version=2,
        improved=True,
        feedback_mode="contrastive",
        task_set=["t1", "t4", "t7"],
        feedback_tasks=["t1", "t4"],
        proposals=2,
        candidates=[{"version": 2, "score": 0.8, "peak_tokens": 900.0}],
    )
    co = StepOutcome(
        round=1,
        position=1,
        step="co",
        parent_version=2,
        best_version=best,
        improved=best == 3,
        feedback_mode="successes",
        task_set=["t2"],
        feedback_tasks=["t2"],
        proposals=2,
        candidates=[{"version": 3, "score": 0.8, "peak_tokens": 700.0}],
    )
    return OptimizationReport(
        method="acon",
        kind="history",
        name="acon-opt",
        best_version=best,
        guidelines_dir="/g",
        steps=[ut, co],
    )


def comparisons(tmp_path):
    """10 tasks: the optimized guideline solves one more than its start (a gain one
    task can give by chance) and needs 1k fewer peak tokens on every task; against no
    compression it scores the same with 2k fewer peak tokens on every task."""
    store = GuidelineStore(tmp_path / "g")  # the optimizer's: v1 its start, v3 a change
    for text in ("Keep the answers.", "Keep answers.", "Keep every answer found so far."):
        store.add("history", "acon-opt", text, Lineage(origin="prompting v1"))
    store.set_alias("history", "acon-opt", "baseline", 1)
    runs = {
        "none": (
            "none",
            None,
            [row(t, "1", 1.0 if i < 6 else 0.0, 4000, 1e6, [4000]) for i, t in enumerate(TASKS)],
        ),
        "naive": (
            "guideline",
            None,
            [row(t, "1", 1.0 if i < 5 else 0.0, 3000, 1e6, [3000]) for i, t in enumerate(TASKS)],
        ),
        "best": (
            "guideline",
            "3",
            [
                row(t, "1", 1.0 if i < 6 else 0.0, 2000 + i, 1e6, [2000])
                for i, t in enumerate(TASKS)
            ],
        ),
    }
    for name, (history, version, rows) in runs.items():
        folder = make_run(tmp_path / "runs" / name, history, rows)
        if version:
            cfg = (
                (folder / "config.json")
                .read_text()
                .replace(
                    '"strategy": "guideline"',
                    '"strategy": "guideline", "guideline": {"name": "acon-opt", '
                    f'"dir": "{tmp_path / "g"}", "version": "{version}"}}',
                )
            )
            (folder / "config.json").write_text(cfg)
    rollouts = collect(compose(["report.source=folders", f"report.runs=[{tmp_path / 'runs'}]"]))
    return comparison_table(rollouts.tasks).xs("facts", level="benchmark")


def test_a_gain_the_test_cannot_confirm_is_not_called_one(tmp_path):
    text = verdict(comparisons(tmp_path), report(), OPTIMIZED, START)
    against_naive, against_none = [line for line in text.splitlines() if "paired" in line]
    assert against_naive.startswith(f"Against the start ({START}) (10 paired test tasks)")
    assert "score +0.100 [" in against_naive
    # one task of ten gained: the exact test's p is 1, whatever the bootstrap interval
    assert "p = 1.000 (Holm), not significant" in against_naive.split(";")[0]
    # every one of 10 tasks lower: exact p = 2 / 2^10; Holm over the table's 3 comparisons
    # (each as small) multiplies it by 3: 0.00586
    assert "peak tokens -1.00k [" in against_naive
    assert "p = 0.006 (Holm), significantly lower" in against_naive
    assert against_none.startswith("Against no compression (10 paired test tasks)")
    assert "score +0.000 [+0.000, +0.000], p = 1.000 (Holm), not significant" in against_none
    assert "significantly lower" in against_none.split(";")[1]
    assert "No candidate beat" not in text


def test_the_optimization_says_which_tasks_taught_each_step(tmp_path):
    text = verdict(comparisons(tmp_path), report(), OPTIMIZED, START)
    assert (
        "- Round 1, UT from v1: contrastive of 3 task(s) (t1, t4, t7); feedback from 2 "
        "(t1, t4); 1 new candidate(s) of 2 asked: v2 score 0.800, peak 900; kept v2."
    ) in text
    assert "CO from v2: successes of 1 task(s) (t2); feedback from 1 (t2)" in text


def test_an_optimization_that_kept_the_start_says_so(tmp_path):
    kept = report(best=1)
    kept.steps[0].best_version, kept.steps[0].improved = 1, False
    text = verdict(comparisons(tmp_path), kept, OPTIMIZED, START)
    assert "No candidate beat the starting guideline" in text
    assert "no candidate beat v1" in text


def test_two_tasks_are_never_called_significant(tmp_path):
    """A table that calls a change significant on 2 paired tasks (the 10-task table,
    relabelled) is not believed: on 2 tasks no exact test could reach p < 0.05."""
    two = comparisons(tmp_path).copy()
    two["Paired tasks"] = 2
    text = verdict(two, report(), OPTIMIZED, START)
    assert "significantly" not in text
    assert "too few tasks to call significant (fewer than 6, whatever the p-value)" in text
