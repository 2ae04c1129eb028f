"""What every optimizer method has: its config, the run's LLM session and folder, its
progress and budget (acon.optimize.state), and `run(spec) -> OptimizationReport`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import cached_property
from typing import ClassVar

from acon.errors import AconError
from acon.optimize.config import OptimizerConfig
from acon.optimize.contexts import context_budget
from acon.optimize.evaluation import CandidateEvaluator
from acon.optimize.report import OptimizationReport, StepOutcome
from acon.optimize.state import OptimizerState
from acon.rollout import RolloutSpec
from acon.services import Services


class OptimizerMethod(ABC):
    name: ClassVar[str]  # recorded in each candidate's lineage (`method`)
    # the row of a guideline it changed ("Acon (acon-opt v3)") and that row's place in the
    # tables, after the guideline's own rows (acon.compression.labels reads both)
    label: ClassVar[str]
    rank: ClassVar[int]

    def __init__(self, config: OptimizerConfig, services: Services, plan: list[str]):
        if services.llms is None or services.run is None:
            raise AconError("The optimizer needs the run's LLM session and folder (Services).")
        self.opt = config
        self.llms = services.llms
        self.folder = services.run
        self.state = OptimizerState(self.folder, plan)
        self.llms.ledger.budget = self.state.budget(config.budget)
        self.on_candidate: Callable[[], None] = lambda: None  # acon.optimize.optimize's hook
        self.evaluator: CandidateEvaluator | None = None  # set by the method's run

    def rollout_budget(self) -> int | None:
        """The task rollouts this run may still ask for (optimizer.budget.max_rollouts,
        less what earlier attempts of the run asked for); None: no limit."""
        limit = self.opt.budget.max_rollouts
        return None if limit is None else limit - int(self.state.spent_before.get("rollouts", 0))

    @abstractmethod
    def run(self, spec: RolloutSpec) -> OptimizationReport:
        """Optimize the guideline `spec`'s rollouts follow (every candidate is `spec` with
        another guideline, on the training tasks); resumes from the folder."""

    @cached_property
    def context_tokens(self) -> int | None:
        """Tokens per context the optimizer is shown (None: whole)."""
        return context_budget(
            self.opt.max_context_tokens,
            self.llms.role_config("optimizer"),
            self.llms.settings.llm.server.ctx_size,
        )

    def finish(
        self,
        name: str,
        best_version: int,
        guidelines_dir: str,
        steps: list[StepOutcome],
        errored: list[str],
        stopped: str | None,
    ) -> OptimizationReport:
        """The method's report, saved with what it spent (optimizer_report.json)."""
        spent = self.spent()
        self.state.save(spent)
        report = OptimizationReport(
            method=self.name,
            kind=self.opt.kind,
            name=name,
            best_version=best_version,
            guidelines_dir=guidelines_dir,
            steps=steps,
            spent=spent,
            usage_by_role=self.llms.ledger.summary(),
            errored_tasks=sorted(errored),
            stopped=stopped,
        )
        self.folder.write_optimizer_report(report.to_dict())
        return report

    def spent(self) -> dict[str, float]:
        """Live calls, tokens and dollars, and the task rollouts asked for, earlier attempts
        of this run included."""
        calls, tokens, usd = self.llms.ledger.spent()
        asked = self.evaluator.rollouts if self.evaluator is not None else 0
        rollouts = int(self.state.spent_before.get("rollouts", 0)) + asked
        return {"calls": calls, "tokens": tokens, "usd": usd, "rollouts": rollouts}
