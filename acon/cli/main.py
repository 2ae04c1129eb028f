"""`acon-main`: the whole method, end to end, as one short experiment.

1. optimize the guideline on the training split (rollouts without compression and with
   the starting guideline, then the configured method's steps);
2. roll out the test split with no compression, the starting guideline, and the
   optimized one;
3. write the report (tables and figures) and export the optimized guideline.

`make run` runs it on the offline default with `+experiment=quickstart` (a few tasks, the
local model); drop the preset and pick `llm=openai env=...` for a real one, after
`dry_run=true` has told you what it will cost.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

from acon.cli.arms import run_arms
from acon.cli.entry import entry, picks_its_own_tasks
from acon.composition.root import MainConfig
from acon.config.build import typed
from acon.errors import IncompleteRun
from acon.export import export_guideline
from acon.guidelines import GuidelineRef, load_guideline
from acon.llm import LLMSession
from acon.optimize import OptimizationReport, optimize
from acon.optimize.config import OptimizerConfig
from acon.optimize.evaluation import baseline_arms, baseline_configs
from acon.report.build import collect, write_report
from acon.report.rollouts import Rollouts
from acon.report.tables import comparison_table
from acon.report.verdict import verdict
from acon.rollout import RolloutSpec, TaskSelection
from acon.run_folder import RunFolder
from acon.tracking import LiveOptimization, log_optimization
from acon.tracking.settings import settings

log = logging.getLogger("acon.main")


def test_arms(
    train: RolloutSpec, opt: OptimizerConfig, main: MainConfig, optimized: OptimizationReport
) -> dict[str, RolloutSpec]:
    """The test-split rollouts, one per arm: no compression, the baselines, the starting
    guideline, and the optimized one (after every step, with `main.every_step`)."""
    test = train.with_tasks(TaskSelection(main.test_split, main.test_tasks))
    arms = {"no_compression": test.uncompressed()}
    baselines = baseline_configs(opt.kind, main.baselines, main.baseline_settings)
    arms |= baseline_arms(test, opt, baselines)
    arms["start_guideline"] = test.with_guideline(opt.kind, opt.start)
    # by number, so each row names the version it used (the best may be the start, v1)
    versions = {"optimized_guideline": str(optimized.best_version)}
    if main.every_step:
        versions = {}
        for s in optimized.steps:  # each step's best, once per distinct version
            if str(s.best_version) not in versions.values():
                versions[f"after_step{s.position + 1}_{s.step}"] = str(s.best_version)
    for label, version in versions.items():
        ref = GuidelineRef(name=optimized.name, version=version, dir=optimized.guidelines_dir)
        arms[label] = test.with_guideline(opt.kind, ref)
    return arms


def main_job(cfg: Any, folder: RunFolder) -> dict[str, Any]:
    opt: OptimizerConfig = typed(cfg.optimizer)
    main: MainConfig = typed(cfg.main)
    baseline_configs(opt.kind, main.baselines, main.baseline_settings)  # a typo fails now
    spec = RolloutSpec.of(cfg)
    errors = []
    with LLMSession(spec.models, folder.path) as llms:
        log.info("1/3 Optimizing the %s guideline on %d %s tasks", opt.kind, opt.n_tasks, opt.split)
        with LiveOptimization(cfg, folder.child("optimize")) as live:
            optimized = optimize(
                spec, opt, llms, folder.child("optimize"), on_candidate=live.candidate
            )
        log_optimization(cfg, folder.child("optimize"), optimized)
        if optimized.errored_tasks:
            errors.append(optimized.errors_summary())
        guidelines = Path(optimized.guidelines_dir)
        arms = test_arms(spec, opt, main, optimized)
        errors += run_arms(arms, folder, llms, "2/3")[1]
        folder.write_usage(llms.ledger.summary())
    log.info("3/3 Report and export")
    out = Path(cfg.report.out)
    tracking = settings(cfg)
    # from the store these rollouts were just logged to; from their folders if tracking is off
    source = cfg.report.source if tracking is not None else "folders"
    report_cfg = cast(DictConfig, OmegaConf.merge(cfg, {"report": {"source": source}}))
    rollouts = collect(report_cfg, under=folder.child("rollouts").path)
    written = write_report(rollouts, out)
    best = load_guideline(opt.kind, optimized.name, "best", guidelines)
    verdict_md = write_verdict(spec.benchmark, opt.kind, optimized, arms, rollouts, out)
    exported = export_guideline(best, Path(cfg.export.out))
    print(
        f"\nOptimized guideline: {best.name} v{best.version} "
        f"(lineage in {guidelines / best.kind / best.name})"
    )
    for path in written:
        if path.suffix == ".md":
            print(f"\n{path}:\n{path.read_text()}")
    print("Where to look:")
    print(f"  run folder:       {folder.path}")
    print(f"  tables, figures:  {out}")
    print(f"  exported prompt:  {exported[0].parent}")
    if tracking is not None:
        print(
            f"  MLflow UI:        {Path(sys.executable).parent / 'mlflow'} ui "
            f"--backend-store-uri {tracking.uri} "
            f"--host 127.0.0.1  (experiment {tracking.experiment})"
        )
    print(f"\n{verdict_md}:\n{verdict_md.read_text()}")
    written.append(verdict_md)
    if errors:
        raise IncompleteRun(
            "Some tasks errored and are left out of these results: "
            + " | ".join(errors)
            + f". Rerun with hydra.run.dir={folder.path} to run them again."
        )
    return {"best_version": best.version, "report": [str(p) for p in written]}


def write_verdict(
    benchmark: str,
    kind: str,
    optimized: OptimizationReport,
    arms: dict[str, RolloutSpec],
    rollouts: Rollouts,
    out: Path,
) -> Path:
    """`<out>/<benchmark>/verdict.md`: the optimized guideline against its start (the
    paper's Prompting baseline by default) and no compression, from the test arms' paired
    comparisons."""
    best = GuidelineRef(
        name=optimized.name, version=str(optimized.best_version), dir=optimized.guidelines_dir
    )
    start = arms["start_guideline"]
    comparisons = comparison_table(rollouts.tasks)
    if not comparisons.empty:
        comparisons = comparisons.xs(benchmark, level="benchmark")
    path = out / benchmark / "verdict.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        verdict(comparisons, optimized, start.with_guideline(kind, best).label, start.label)
    )
    return path


main = entry(
    main_job, plan="main", guard=picks_its_own_tasks("optimizer.n_tasks", "main.test_tasks")
)

if __name__ == "__main__":
    main()
