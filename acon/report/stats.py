"""Uncertainty on every number of the report, with scipy rather than hand-written formulas.

- A mean over tasks gets a 95% bootstrap interval over tasks (BCa; percentile where BCa
  is undefined).
- Two methods compare on the tasks both finished: the per-task differences get a paired
  bootstrap interval (a difference is significant when its interval leaves out 0), and
  success gets McNemar's exact test (a binomial test on the discordant tasks).
Resampling is seeded, so a report is reproducible.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
RESAMPLES = 9999
SEED = 0
NAN = (math.nan, math.nan)


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
            ci = stats.bootstrap((x,), np.mean, n_resamples=RESAMPLES, method=method,
                                 confidence_level=CONFIDENCE,
                                 rng=np.random.default_rng(SEED)).confidence_interval  # fmt: skip
        if not (math.isnan(ci.low) or math.isnan(ci.high)):
            return float(ci.low), float(ci.high)
    return NAN


@dataclass(frozen=True)
class Difference:
    """Mean of (a - b) over paired tasks, with its interval."""

    mean: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return not math.isnan(self.low) and (self.low > 0 or self.high < 0)


def paired_difference(a: object, b: object) -> Difference:
    """`a` and `b` hold the same tasks in the same order; the paired bootstrap resamples
    tasks, i.e. the per-task differences."""
    diffs = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    diffs = diffs[~np.isnan(diffs)]
    mean = float(diffs.mean()) if len(diffs) else math.nan
    return Difference(mean, *mean_interval(diffs))


def mcnemar_exact(a: object, b: object) -> tuple[int, int, float]:
    """Success of two methods on the same tasks: (tasks only `a` solved, tasks only `b`
    solved, two-sided exact p-value); p is 1 when no task is discordant."""
    sa, sb = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    only_a, only_b = int((sa & ~sb).sum()), int((~sa & sb).sum())
    if only_a + only_b == 0:
        return only_a, only_b, 1.0
    return only_a, only_b, float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue)
