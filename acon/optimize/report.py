"""What an optimization returns and records: one outcome per step, one report per run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StepOutcome:
    round: int
    position: int  # the step's index in optimizer.steps (a round may run UT twice)
    step: str  # ut | co
    parent_version: int
    best_version: int
    improved: bool
    # each evaluated candidate: version, score, peak_tokens, guideline_tokens, `change`
    # (what it adds to the parent, in short) and `rollouts` (the method's rollouts spent
    # once it was scored)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    # the parent scored on the same selection tasks: version, score, peak_tokens
    parent: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # why nothing was proposed
    feedback_mode: str | None = None  # contrastive | failures | ...
    # the step's whole set (UT: the contrastive set, or its fallback; CO: the compressed
    # successes), then the tasks of it that got a feedback call (optimizer.feedback_tasks)
    task_set: list[str] = field(default_factory=list)
    feedback_tasks: list[str] = field(default_factory=list)  # the tasks that taught the step
    proposals: int = 0  # proposals asked for
    unusable: list[str] = field(default_factory=list)  # why each unusable reply was
    # candidates that copy training-task text: {version, leaks, rejected}
    leaking: list[dict[str, Any]] = field(default_factory=list)
    errored_tasks: list[str] = field(default_factory=list)  # left out of its decisions
    usage: dict[str, float] = field(default_factory=dict)  # live calls, tokens, dollars

    def decision(self) -> str:
        """What the step kept, in words."""
        if self.improved:
            return f"kept v{self.best_version}"
        return f"no candidate beat v{self.parent_version}: it stays"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepOutcome:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class OptimizationReport:
    method: str  # acon | gepa
    kind: str
    name: str  # the guideline's name in the store
    best_version: int
    guidelines_dir: str
    steps: list[StepOutcome] = field(default_factory=list)
    # live calls, tokens, dollars, and the task rollouts asked for
    spent: dict[str, float] = field(default_factory=dict)
    usage_by_role: dict[str, Any] = field(default_factory=dict)
    errored_tasks: list[str] = field(default_factory=list)  # any step left out
    stopped: str | None = None  # why the method stopped before its plan's end (a budget)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "search": self.search()}

    def search(self) -> list[dict[str, Any]]:
        """The search as it went: each scored candidate (and the start, as first scored)
        with the rollouts the method had spent by then and the best score so far. Scores
        are each method's own selection scores (its tasks, not a common test)."""
        points: list[dict[str, Any]] = []
        for s in self.steps:
            if s.parent and not points and "rollouts" in s.parent:
                points.append(
                    {
                        "version": s.parent["version"],
                        "score": s.parent["score"],
                        "rollouts": s.parent["rollouts"],
                    }
                )
            points += [
                {"version": c["version"], "score": c["score"], "rollouts": c["rollouts"]}
                for c in s.candidates
                if "rollouts" in c
            ]
        best = float("-inf")
        for point in points:
            best = max(best, float(point["score"]))
            point["best_so_far"] = best
        return points

    def errors_summary(self) -> str:
        if not self.errored_tasks:
            return ""
        return (
            f"{len(self.errored_tasks)} training task(s) errored and were left out of "
            f"the optimizer's decisions ({', '.join(self.errored_tasks[:8])}); their "
            f"rollouts run again when a later optimization needs them"
        )


def change(parent: str, text: str, width: int = 120) -> str:
    """What a candidate adds to its parent, in short: its first line the parent lacks, a
    heading passed over (for a rule, the rule), else that it cuts the parent's text."""
    had = {line.strip() for line in parent.splitlines()}
    added = [line.strip() for line in text.splitlines() if line.strip() and line.strip() not in had]
    added = [line for line in added if not line.endswith(":")] or added
    if not added:
        return f"cuts the text ({len(text)} of {len(parent)} characters)"
    first = added[0] if len(added[0]) <= width else added[0][: width - 3] + "..."
    return first + (f" (+{len(added) - 1} more line(s))" if len(added) > 1 else "")
