"""Every method stops at the same budget of task rollouts (optimizer.budget.max_rollouts,
its training rollouts included) and never spends past a dollar cap: a head-to-head of
methods is at equal cost. The scripted endpoint plays every role (tests/support/brain.py)."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.llm.usage import BudgetExceeded
from acon.run_folder import RunFolder
from tests.support import optimize_composed, optimizer_overrides

BUDGET = 10  # the 8 training rollouts (4 tasks, with and without compression) and a little


def run(fake, tmp_path, name, *overrides):
    cfg = compose(optimizer_overrides(fake, tmp_path, *overrides))
    with LLMSession(ModelSettings.of(cfg), tmp_path / name) as llms:
        return optimize_composed(cfg, llms, RunFolder(tmp_path / name))


@pytest.mark.parametrize(
    "method,budget",
    [
        (["optimizer.n_candidates=2"], BUDGET),
        (["optimizer=gepa", "optimizer.max_metric_calls=40"], BUDGET),
        (["optimizer=playbook", "optimizer.batch_size=1"], BUDGET - 3),
    ],
)
def test_a_method_stops_within_the_rollout_budget(fake, tmp_path, method, budget):
    free = run(fake, tmp_path, "free", *method)
    assert free.spent["rollouts"] > budget  # the plan alone would spend more
    # the search as it went, for the best-so-far figure: the start first, then candidates
    points = free.search()
    assert len(points) >= 2 and points[0]["version"] == 1
    spent = [p["rollouts"] for p in points]
    best = [p["best_so_far"] for p in points]
    assert spent == sorted(spent) and best == sorted(best) and spent[-1] <= free.spent["rollouts"]
    capped = run(fake, tmp_path, "capped", *method, f"optimizer.budget.max_rollouts={budget}")
    assert budget - 4 < capped.spent["rollouts"] <= budget  # at most one evaluation short
    assert capped.stopped and f"max_rollouts={budget}" in capped.stopped


def test_a_resumed_run_counts_what_it_asked_for_before(fake, tmp_path):
    first = run(fake, tmp_path, "run", "optimizer.n_candidates=2", "optimizer.steps=[ut]")
    again = run(
        fake,
        tmp_path,
        "run",
        "optimizer.n_candidates=2",
        "optimizer.steps=[ut]",
        f"optimizer.budget.max_rollouts={int(first.spent['rollouts'])}",
    )
    assert again.spent["rollouts"] == first.spent["rollouts"] and again.stopped is None


def test_no_method_spends_past_the_dollar_cap(fake, tmp_path):
    for method in (["optimizer.n_candidates=2"], ["optimizer=gepa"], ["optimizer=playbook"]):
        with pytest.raises(BudgetExceeded):
            run(
                fake,
                tmp_path,
                method[0],
                *method,
                "optimizer.budget.max_usd=0.000001",
                "+pricing.models={scripted: {input: 1, output: 1}}",
            )
