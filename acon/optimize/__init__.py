"""The guideline optimizer. The loop, stage by stage:

    evaluation.py  rollouts of candidates (and of no compression), each paid for once
    feedback.py    what the optimizer LLM says about them (contrastive, failures, usage)
    proposal.py    new candidate guidelines from that feedback
    selection.py   which tasks teach what, and which candidate wins
    state.py       resume and budget
    methods/       acon (UT then CO, the paper's), gepa and playbook (comparisons)

`optimize(spec, method, llms, folder)` is the one entry every command uses.
"""

from __future__ import annotations

from collections.abc import Callable

from acon.config.build import build
from acon.llm.session import LLMSession
from acon.optimize.config import OptimizerConfig
from acon.optimize.report import OptimizationReport, StepOutcome
from acon.rollout import RolloutSpec
from acon.run_folder import RunFolder
from acon.services import Services

__all__ = ["OptimizationReport", "StepOutcome", "optimize"]


def optimize(
    spec: RolloutSpec,
    method: OptimizerConfig,
    llms: LLMSession,
    folder: RunFolder,
    on_candidate: Callable[[], None] | None = None,
) -> OptimizationReport:
    """Optimize the guideline of `spec`'s rollouts with the configured method
    (`optimizer=acon|gepa|playbook`) in `folder`; a rerun into the same folder resumes.
    `on_candidate()` is called whenever a candidate is added to the run's guideline store
    or scored (acon; GEPA's arrive at its end)."""
    optimizer = build(method, Services(llms, folder.make()))
    if on_candidate is not None:
        optimizer.on_candidate = on_candidate
    return optimizer.run(spec)
