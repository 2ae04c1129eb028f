"""The report's uncertainty against known cases: textbook values and scipy's own
parametric intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from acon.report.stats import mcnemar_exact, mean_interval, paired_difference


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
    assert gain.significant
    noise = np.random.default_rng(2).normal(0, 1, size=30)
    flat = paired_difference(base + noise - noise.mean(), base)
    assert flat.mean == pytest.approx(0.0, abs=1e-12) and not flat.significant


def test_mcnemar_exact_on_a_hand_computed_case():
    # 1 task only `a` solved, 9 only `b`: two-sided exact p = 2 * (1 + 10) / 2**10
    a = [True] * 1 + [False] * 9 + [True] * 5 + [False] * 5
    b = [False] * 1 + [True] * 9 + [True] * 5 + [False] * 5
    assert mcnemar_exact(a, b) == (1, 9, pytest.approx(22 / 1024))
    assert mcnemar_exact([True, False], [True, False]) == (0, 0, 1.0)
