"""The optimizer's progress in its run folder, so a rerun into the same folder resumes:
the steps done (by round and position, so `[ut, co, ut]` is three steps), the current
parent version, and what earlier attempts spent (it counts against the budget)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from acon.errors import AconError
from acon.llm.usage import Budget
from acon.optimize.report import StepOutcome
from acon.run_folder import RunFolder


class OptimizerState:
    def __init__(self, folder: RunFolder, plan: list[str]):
        self.folder = folder
        self.plan = list(plan)
        data = folder.optimizer_state() or {}
        self.steps = [StepOutcome.from_dict(s) for s in _positioned(data.get("steps", []))]
        self.parent_version: int | None = data.get("parent_version")
        self.spent_before: dict[str, float] = data.get("spent", {})
        earlier = data.get("plan")
        if self.steps and earlier and list(earlier) != self.plan:
            raise AconError(
                f"{folder.path} holds an optimization with optimizer.steps={earlier}, not "
                f"{self.plan}: rerun it with those steps, or give a new hydra.run.dir."
            )

    def budget(self, limits: Any) -> Budget:
        s = self.spent_before
        return Budget(
            limits.max_calls,
            limits.max_tokens,
            limits.max_usd,
            int(s.get("calls", 0)),
            int(s.get("tokens", 0)),
            float(s.get("usd", 0.0)),
        )

    def done(self, rnd: int, position: int) -> StepOutcome | None:
        return next((s for s in self.steps if (s.round, s.position) == (rnd, position)), None)

    def record(self, outcome: StepOutcome, spent: dict[str, float]) -> None:
        self.steps.append(outcome)
        self.parent_version = outcome.best_version
        self.save(spent)

    def save(self, spent: dict[str, float]) -> None:
        self.folder.write_optimizer_state(
            {
                "plan": self.plan,
                "parent_version": self.parent_version,
                "steps": [asdict(s) for s in self.steps],
                "spent": spent,
            }
        )


def _positioned(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """States written before steps had positions: number them in order within a round."""
    seen: dict[int, int] = {}
    out = []
    for step in steps:
        if "position" not in step:
            position = seen.get(step["round"], 0)
            step = {**step, "position": position}
        seen[step["round"]] = step["position"] + 1
        out.append(step)
    return out
