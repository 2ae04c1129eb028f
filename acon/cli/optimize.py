"""`acon-optimize`: improve a compression guideline on a benchmark's training split.

acon-optimize env=facts optimizer.n_tasks=6 optimizer.n_candidates=3
acon-optimize optimizer.steps=[ut]                 # the UT-only variant
acon-optimize optimizer.method=gepa                # GEPA on the same system
acon-optimize hydra.run.dir=runs/<run>             # resume an interrupted optimization
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from acon.cli.entry import hydra_app, run_verb
from acon.llm import LLMSession
from acon.tracking import log_optimization


def run(cfg: Any, run_dir: Path) -> dict[str, Any]:
    with LLMSession(cfg, run_dir) as llms:
        if cfg.optimizer.method == "gepa":
            from acon.optimize.gepa_adapter import run_gepa

            report = run_gepa(cfg, llms, run_dir)
        else:
            from acon.optimize.loop import GuidelineOptimizer

            report = GuidelineOptimizer(cfg, llms, run_dir).run()
    log_optimization(cfg, run_dir, report)
    spent = report["spent"]
    print(json.dumps({k: report[k] for k in ("kind", "name", "best_version")}, indent=2))
    print(f"Spent: {spent['calls']} live LLM calls, {spent['tokens']} tokens, ${spent['usd']:.4f}")
    print(
        f"Guidelines with lineage: {report['guidelines_dir']}; use the best one with "
        f"compression.{report['kind']}.guideline.dir={report['guidelines_dir']} "
        f"compression.{report['kind']}.guideline.name={report['name']} "
        f"compression.{report['kind']}.guideline.version=best"
    )
    return report


@hydra_app
def main(cfg: Any) -> None:
    run_verb(run, cfg)


if __name__ == "__main__":
    main()
