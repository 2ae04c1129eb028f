"""The guideline optimizer. The loop, stage by stage:

    evaluation.py  rollouts of candidates (and of no compression), each paid for once
    feedback.py    what the optimizer LLM says about them (contrastive, failures, usage)
    proposal.py    new candidate guidelines from that feedback
    selection.py   which tasks teach what, and which candidate wins
    state.py       resume and budget
    methods/       acon (UT then CO, the paper's), gepa and playbook (comparisons)

`optimize(cfg, llms, folder)` is the one entry every command uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acon.config.build import build
from acon.llm.session import LLMSession
from acon.optimize.report import OptimizationReport, StepOutcome
from acon.run_folder import RunFolder
from acon.services import Services

__all__ = ["OptimizationReport", "StepOutcome", "optimize"]


def optimize(
    cfg: Any, llms: LLMSession, folder: RunFolder, on_candidate: Callable[[], None] | None = None
) -> OptimizationReport:
    """Run the configured optimizer method (`optimizer=acon|gepa|playbook`) in `folder`; a rerun
    into the same folder resumes. `on_candidate()` is called whenever a candidate is
    added to the run's guideline store or scored (acon; GEPA's arrive at its end)."""
    method = build(cfg.optimizer, Services(llms, folder.make()))
    if on_candidate is not None:
        method.on_candidate = on_candidate
    return method.run(cfg)
