"""Which tasks teach the optimizer what, and which candidate guideline wins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acon.tokens import count_text

Rows = dict[str, dict[str, Any]]


def contrastive_set(base: Rows, compressed: Rows, score_drop: float | None = None) -> list[str]:
    """Tasks that succeed without compression and fail with it. With `score_drop` (for
    score-valued benchmarks, e.g. F1), tasks whose score falls by more than it instead."""
    ids = [t for t in base if t in compressed]
    if score_drop is None:
        return [t for t in ids if base[t]["success"] and not compressed[t]["success"]]
    return [t for t in ids if base[t]["score"] - compressed[t]["score"] > score_drop]


def failures(rows: Rows) -> list[str]:
    return [t for t, row in rows.items() if not row["success"]]


def successes(rows: Rows) -> list[str]:
    return [t for t, row in rows.items() if row["success"]]


@dataclass
class Scored:
    """A guideline evaluated on the selection subset."""

    text: str
    version: int
    score: float  # mean task score
    tokens: float  # mean peak agent context, tokens
    rows: Rows = field(default_factory=dict, repr=False)

    @property
    def guideline_tokens(self) -> int:
        return count_text(self.text)

    def key(self) -> tuple[float, float, int]:
        """Higher score first; ties go to fewer context tokens, then a shorter guideline."""
        return (-self.score, self.tokens, self.guideline_tokens)


def common_tasks(order: list[str], *evaluations: Rows) -> list[str]:
    """The tasks (in `order`) finished in every evaluation: candidates are compared on
    the same tasks, never on what happened to finish for each."""
    return [t for t in order if all(t in rows for rows in evaluations)]


def scored(text: str, version: int, rows: Rows, on: list[str] | None = None) -> Scored:
    """Mean score and peak tokens over the tasks `on` (default: every row)."""
    chosen = {t: rows[t] for t in (on if on is not None else list(rows))}
    n = max(len(chosen), 1)
    return Scored(
        text=text,
        version=version,
        score=sum(r["score"] for r in chosen.values()) / n,
        tokens=sum(r["peak_tokens"] for r in chosen.values()) / n,
        rows=chosen,
    )


def select_best(parent: Scored, candidates: list[Scored]) -> Scored:
    """The best of the candidates and the parent (the parent wins exact ties, so a
    guideline is only replaced by one that is really better)."""
    return min([parent, *candidates], key=Scored.key)
