"""Uncertainty on every number of the report, with scipy rather than hand-written formulas.

- A mean over tasks gets a 95% bootstrap interval over tasks (BCa; percentile where BCa
  is undefined).
- Two methods compare on the tasks both finished. The per-task differences get a paired
  bootstrap interval: the size of the difference, never its significance (at 6-8 tasks
  an interval that leaves out 0 happens in 11-14% of null cases). Significance comes from
  exact paired tests: score and peak from the paired sign-flip permutation test on the
  mean difference (`scipy.stats.permutation_test`, `permutation_type='samples'`),
  success from McNemar's exact test (a binomial test on the discordant tasks).
- Sign-flip rather than Wilcoxon's signed-rank test: under the paired null (the two
  methods are exchangeable on each task) every per-task difference is as likely to carry
  either sign, so enumerating the 2^n sign patterns gives the exact null distribution of
  the mean difference itself, the number the report shows, for any data. Ties and zero
  differences need no correction: a zero difference flips to itself and tied magnitudes
  only tie in the null distribution (scipy counts those ties as at least as extreme),
  whereas scipy's exact Wilcoxon assumes no ties or zeros and falls back to a normal
  approximation, which is not exact at small n, when there are any; and scores from a
  few discrete values are nearly all ties. On binary outcomes the sign-flip test is the
  exact sign test, i.e. McNemar's. The enumeration is exact while 2^n <= RESAMPLES
  (n: non-zero differences; n <= 13), a seeded Monte-Carlo test of RESAMPLES sign
  patterns above that (scipy adds 1 to both counts, so it stays valid). Differences
  within NOISE of 0 (floating-point noise of averaged repeats) count as zero.
- One table's comparisons are many tests: `holm` adjusts each measure's p-values across
  them (Holm's step-down, which controls the family-wise error rate under any
  dependence), and a difference is significant when its adjusted p is below ALPHA.
Resampling is seeded, so a report is reproducible.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
RESAMPLES = 9999
SEED = 0
NAN = (math.nan, math.nan)
# A per-task difference this close to 0 is floating-point noise (e.g. 1e-19 from
# averaging repeats), not a difference: it must never make a comparison significant.
NOISE = 1e-12
# Floats of the sign-flipped data scipy may hold at once (32 MB).
MAX_FLIPPED = 2**22


def mean_interval(values: object) -> tuple[float, float]:
    """The 95% bootstrap interval of the mean of `values` (NaNs dropped); NaN below two
    values, the value itself when every value is the same."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return NAN
    if np.all(x == x[0]):  # nothing to resample: the interval is the point
        return float(x[0]), float(x[0])
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            ci = stats.bootstrap(
                (x,),
                np.mean,
                n_resamples=RESAMPLES,
                method=method,
                confidence_level=CONFIDENCE,
                rng=np.random.default_rng(SEED),
            ).confidence_interval
        if not (math.isnan(ci.low) or math.isnan(ci.high)):
            return float(ci.low), float(ci.high)
    return NAN


def _mean(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def sign_flip_pvalues(diffs: object) -> np.ndarray:
    """Two-sided p-values of the paired sign-flip test, one per row of `diffs` (per-task
    differences along the last axis; a 1-D array is one row, no NaNs). Exact while
    2^n <= RESAMPLES, seeded Monte Carlo above; a row without a difference beyond
    NOISE has p = 1."""
    d = np.atleast_2d(np.asarray(diffs, dtype=float))
    d = np.where(np.isclose(d, 0.0, rtol=0.0, atol=NOISE), 0.0, d)
    differs = (d != 0).any(axis=-1)
    p = np.ones(d.shape[:-1])
    # one difference is as extreme under either sign: p = 1 (scipy wants two)
    if d.shape[-1] < 2 or not differs.any():
        return p
    found = stats.permutation_test(
        (d[differs],),
        _mean,
        permutation_type="samples",
        vectorized=True,
        n_resamples=RESAMPLES,
        alternative="two-sided",
        axis=-1,
        batch=max(1, MAX_FLIPPED // d[differs].size),
        rng=np.random.default_rng(SEED),
    )
    p[differs] = np.minimum(found.pvalue, 1.0)
    return p


def sign_flip_p(diffs: object) -> float:
    """The paired sign-flip test's two-sided p of one comparison's per-task differences
    (NaNs dropped; NaN when none is left). Zero differences carry no information on the
    direction, so they are left out, which keeps the enumeration exact for longer."""
    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) == 0:
        return math.nan
    d = d[~np.isclose(d, 0.0, rtol=0.0, atol=NOISE)]
    return float(sign_flip_pvalues(d)[0]) if len(d) else 1.0


def holm(pvalues: object) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaNs are not tests: they stay
    NaN and do not count): the i-th smallest of m is multiplied by m - i + 1, then made
    non-decreasing in that order and capped at 1. Reject where the adjusted p < ALPHA."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, math.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    steps = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    adjusted[order] = np.minimum(steps, 1.0)
    return adjusted


@dataclass(frozen=True)
class Difference:
    """Mean of (a - b) over paired tasks, with its interval (the size) and the sign-flip
    test's p (the significance, before any multiple-comparison adjustment)."""

    mean: float
    low: float
    high: float
    p: float

    @property
    def significant(self) -> bool:
        """Significant on its own (a lone comparison); a table adjusts `p` with `holm`."""
        return self.p < ALPHA


def paired_difference(a: object, b: object) -> Difference:
    """`a` and `b` hold the same tasks in the same order; the paired bootstrap resamples
    tasks, i.e. the per-task differences, and the sign-flip test flips their signs."""
    diffs = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    diffs = diffs[~np.isnan(diffs)]
    # noise is no difference: reported as 0, as the test counts it (not -2.8e-19)
    diffs = np.where(np.isclose(diffs, 0.0, rtol=0.0, atol=NOISE), 0.0, diffs)
    mean = float(diffs.mean()) if len(diffs) else math.nan
    return Difference(mean, *mean_interval(diffs), sign_flip_p(diffs))


def mcnemar_exact(a: object, b: object) -> tuple[int, int, float]:
    """Success of two methods on the same tasks: (tasks only `a` solved, tasks only `b`
    solved, two-sided exact p-value); p is 1 when no task is discordant."""
    sa, sb = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    only_a, only_b = int((sa & ~sb).sum()), int((~sa & sb).sum())
    if only_a + only_b == 0:
        return only_a, only_b, 1.0
    return only_a, only_b, float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue)
