"""The report's uncertainty against known cases: textbook values, scipy's own parametric
intervals, hand-counted exact p-values, and the false-positive rate of the significance
rule on simulated null comparisons with ties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from acon.report.stats import (
    holm,
    mcnemar_exact,
    mean_interval,
    paired_difference,
    sign_flip_p,
    sign_flip_pvalues,
)


def test_the_bootstrap_interval_of_a_large_normal_sample_matches_the_t_interval():
    x = np.random.default_rng(7).normal(10.0, 2.0, size=400)
    low, high = mean_interval(x)
    t_low, t_high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert low == pytest.approx(t_low, abs=0.05) and high == pytest.approx(t_high, abs=0.05)
    assert mean_interval(x) == (low, high)  # seeded: the same report twice


def test_degenerate_samples():
    assert mean_interval([0.5, 0.5, 0.5]) == (0.5, 0.5)  # no spread: the point itself
    assert all(math.isnan(b) for b in mean_interval([1.0]))  # one task: no interval
    assert all(math.isnan(b) for b in mean_interval([]))
    assert mean_interval([1.0, float("nan"), 1.0]) == (1.0, 1.0)


def test_a_constant_paired_gain_is_significant_and_noise_is_not():
    base = np.random.default_rng(1).uniform(0, 1, size=30)
    gain = paired_difference(base + 0.1, base)
    assert gain.mean == pytest.approx(0.1) and gain.low == pytest.approx(0.1)
    # 30 tasks: Monte Carlo; no sign pattern of 9999 is as extreme: p = 2 x 1 / 10000
    assert gain.p == pytest.approx(2e-4) and gain.significant
    noise = np.random.default_rng(2).normal(0, 1, size=30)
    flat = paired_difference(base + noise - noise.mean(), base)
    assert flat.mean == pytest.approx(0.0, abs=1e-12) and not flat.significant


def test_mcnemar_exact_on_a_hand_computed_case():
    # 1 task only `a` solved, 9 only `b`: two-sided exact p = 2 * (1 + 10) / 2**10
    a = [True] * 1 + [False] * 9 + [True] * 5 + [False] * 5
    b = [False] * 1 + [True] * 9 + [True] * 5 + [False] * 5
    assert mcnemar_exact(a, b) == (1, 9, pytest.approx(22 / 1024))
    assert mcnemar_exact([True, False], [True, False]) == (0, 0, 1.0)


def test_sign_flip_p_on_hand_counted_cases():
    """Two-sided exact p = (sign patterns of the n differences whose mean is at least as
    far from 0) / 2^n."""
    assert sign_flip_p([1, 2, 3, 4, 5, 6]) == pytest.approx(2 / 64)  # all up: 2 of 64
    assert paired_difference([1, 2, 3, 4, 5, 6], [0] * 6).significant
    assert sign_flip_p([0.5] * 5) == pytest.approx(2 / 32)  # 5 tasks can never reach 0.05
    assert not paired_difference([0.5] * 5, [0] * 5).significant
    # ties: five +1 and one -1, sum 4; |sum| >= 4 takes 0, 1, 5 or 6 minus signs:
    # (1 + 6 + 6 + 1) / 64
    assert sign_flip_p([1, 1, 1, 1, 1, -1]) == pytest.approx(14 / 64)
    # zero differences flip to themselves: they change no count
    assert sign_flip_p([0.5, 0.5, 1, 1, 0.5, 1, 0, 0, 0]) == pytest.approx(2 / 64)
    assert sign_flip_p([0, 0, 0]) == 1.0 and sign_flip_p([0.5]) == 1.0
    assert math.isnan(sign_flip_p([])) and math.isnan(sign_flip_p([math.nan]))


def test_on_success_the_sign_flip_test_is_mcnemars():
    """On 0/1 outcomes the differences are -1, 0, 1 and the sign-flip test is the exact
    sign test on the discordant tasks: McNemar's, 1 against 9 giving 2 x 11 / 2^10."""
    a = np.array([1] * 1 + [0] * 9 + [1] * 5 + [0] * 5)
    b = np.array([0] * 1 + [1] * 9 + [1] * 5 + [0] * 5)
    assert sign_flip_p(a - b) == pytest.approx(22 / 1024) == mcnemar_exact(a, b)[2]


def test_holm_on_the_textbook_example():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 -> 0.06
    # (never below an earlier step)
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1
    with_nan = holm([0.01, math.nan, 0.04])  # a NaN is no test: m = 2
    assert with_nan[[0, 2]] == pytest.approx([0.02, 0.04]) and math.isnan(with_nan[1])
    assert len(holm([])) == 0


def test_floating_point_noise_is_never_a_difference():
    """Averaged repeats leave differences like 1e-19 where the scores are equal: with
    every task "up" by that much an exact test would say p = 2 / 2^n."""
    assert sign_flip_p([1e-19] * 8) == 1.0
    assert sign_flip_p([1e-19, -1e-19] * 4) == 1.0
    base = np.linspace(0, 1, 8)
    noisy = paired_difference(base + 1e-19, base - 1e-19)
    assert noisy.p == 1.0 and not noisy.significant
    assert sign_flip_pvalues([[1e-19] * 8, [1.0] * 8]) == pytest.approx([1.0, 2 / 256])


def _null_comparisons(rng: np.random.Generator, reps: int, n: int, binary: bool):
    """`reps` comparisons of two methods on `n` tasks under the null: each task has its own
    difficulty q and both methods draw from the same distribution given q, so they are
    exchangeable on each task. A score is the share of 2 sub-goals met ({0, 0.5, 1}; most
    differences tie or are 0), or binary success."""
    q = rng.uniform(size=(reps, n, 1, 1))
    met = rng.uniform(size=(reps, n, 2, 2)) < q  # (comparison, task, method, sub-goal)
    scores = met[..., 0] if binary else met.mean(axis=-1)
    return scores[..., 0].astype(float), scores[..., 1].astype(float)


def _old_rule(diffs: np.ndarray) -> bool:
    """The rule before: significant when the paired bootstrap interval leaves out 0."""
    low, high = mean_interval(diffs)
    return not math.isnan(low) and (low > 0 or high < 0)


@pytest.mark.parametrize("binary", [False, True], ids=["scores", "success"])
def test_the_false_positive_rate_holds_at_small_n(binary):
    """At 6, 8 and 12 tasks, null comparisons with ties: the exact tests call at most 5%
    significant (within Monte-Carlo error), the old bootstrap rule clearly more, which
    shows this test can fail. Run with -s for the rates."""
    reps = 10_000
    bound = stats.binom.ppf(0.99, reps, 0.05)  # 99% of 5%-level runs stay at or under
    rng = np.random.default_rng(29)
    for n in (6, 8, 12):
        a, b = _null_comparisons(rng, reps, n, binary)
        # the exact tests depend on the differences as a multiset only: test each once (the
        # seeded bootstrap also on their order; sorted is one of its equally likely draws)
        rows, inverse = np.unique(np.sort(a - b, axis=1), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        flip = sign_flip_pvalues(rows)
        if binary:  # success's test is McNemar's; on 0/1 it is the same exact sign test
            p = np.array([mcnemar_exact(r > 0, r < 0)[2] for r in rows])
            assert flip == pytest.approx(p)
        else:
            p = flip
            assert [sign_flip_p(r) for r in rows[:20]] == pytest.approx(list(p[:20]))
        new = int((p[inverse] < 0.05).sum())
        old = int(np.array([_old_rule(r) for r in rows])[inverse].sum())
        kind = "success" if binary else "scores"
        print(
            f"\n{kind}, n = {n}: exact test {new / reps:.2%}, old bootstrap rule "
            f"{old / reps:.2%} of {reps} null comparisons (99% bound at 5%: "
            f"{bound / reps:.2%})"
        )
        assert new <= bound
        assert old > bound
