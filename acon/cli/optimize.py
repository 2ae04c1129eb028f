"""`acon-optimize`: improve a compression guideline on a benchmark's training split.

acon-optimize env=facts optimizer.n_tasks=6 optimizer.n_candidates=3
acon-optimize optimizer.steps=[ut]                 # the UT-only variant
acon-optimize optimizer=gepa                       # GEPA on the same system
acon-optimize hydra.run.dir=runs/<run>             # resume an interrupted optimization
"""

from __future__ import annotations

import json
from typing import Any

from acon.cli.entry import entry, picks_its_own_tasks
from acon.config.build import typed
from acon.errors import IncompleteRun
from acon.llm import LLMSession, ModelSettings
from acon.optimize import OptimizationReport, optimize
from acon.rollout import RolloutSpec
from acon.run_folder import RunFolder
from acon.tracking import LiveOptimization, log_optimization


def run(cfg: Any, folder: RunFolder) -> OptimizationReport:
    with (
        LLMSession(ModelSettings.of(cfg), folder.path) as llms,
        LiveOptimization(cfg, folder) as live,
    ):
        report = optimize(
            RolloutSpec.of(cfg), typed(cfg.optimizer), llms, folder, on_candidate=live.candidate
        )
    log_optimization(cfg, folder, report)
    spent = report.spent
    print(
        json.dumps(
            {
                "method": report.method,
                "kind": report.kind,
                "name": report.name,
                "best_version": report.best_version,
            },
            indent=2,
        )
    )
    for step in report.steps:
        unusable = f", {len(step.unusable)} unusable replies" if step.unusable else ""
        what = step.skipped or f"{len(step.candidates)} candidates, best v{step.best_version}"
        print(f"  round {step.round} {step.step.upper()}: {what}{unusable}")
    print(f"Spent: {spent['calls']} live LLM calls, {spent['tokens']} tokens, ${spent['usd']:.4f}")
    k = report.kind
    print(
        f"Guidelines with lineage: {report.guidelines_dir}; use the best one with "
        f"compression/{k}=guideline compression.{k}.guideline.dir={report.guidelines_dir} "
        f"compression.{k}.guideline.name={report.name} compression.{k}.guideline.version=best"
    )
    if report.errored_tasks:
        raise IncompleteRun(f"{report.errors_summary()}.")
    return report


main = entry(run, plan="optimize", guard=picks_its_own_tasks("optimizer.n_tasks"))

if __name__ == "__main__":
    main()
