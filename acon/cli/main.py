"""`acon-main`: the whole method, end to end, as one short experiment.

1. optimize the history guideline on the training split (rollouts without compression and
   with the default guideline, then UT and CO);
2. roll out the test split with no compression, the default guideline, and the optimized
   one;
3. write the report (tables and figures) and export the optimized guideline.

`make run` runs it on the offline default with `+experiment=quickstart` (a few tasks, the
local model); drop the preset and pick `llm=openai env=...` for a real one.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from acon.cli.entry import hydra_app, run_verb
from acon.compression.guidelines import load_guideline
from acon.export import export_guideline
from acon.llm import LLMSession
from acon.optimize.loop import GuidelineOptimizer
from acon.report.build import collect, write_report
from acon.rollout import rollout
from acon.tracking import log_optimization, log_rollout
from acon.tracking.settings import settings

log = logging.getLogger("acon.main")


def test_arms(cfg: Any, guidelines: Path) -> dict[str, dict[str, Any]]:
    """The test-split rollouts: compression settings per arm."""
    kind = cfg.optimizer.kind
    start = OmegaConf.to_container(cfg.optimizer.start, resolve=True)
    optimized = {"name": cfg.optimizer.name, "version": "best", "dir": str(guidelines)}
    none = {"strategy": "none"}
    return {
        "no_compression": {"history": none, "observation": none},
        "default_guideline": {kind: {"strategy": "guideline", "guideline": start}},
        "optimized_guideline": {kind: {"strategy": "guideline", "guideline": optimized}},
    }


def main_job(cfg: Any, run_dir: Path) -> dict[str, Any]:
    with LLMSession(cfg, run_dir) as llms:
        log.info("1/3 Optimizing the %s guideline on %d %s tasks", cfg.optimizer.kind,
                 cfg.optimizer.n_tasks, cfg.optimizer.split)  # fmt: skip
        optimized = GuidelineOptimizer(cfg, llms, run_dir / "optimize").run()
        log_optimization(cfg, run_dir / "optimize", optimized)
        guidelines = Path(optimized["guidelines_dir"])
        arms = test_arms(cfg, guidelines)
        for n, (label, compression) in enumerate(arms.items(), 1):
            log.info("2/3 Test rollouts (%d/%d): %s", n, len(arms), label)
            arm_cfg = OmegaConf.merge(cfg, {"compression": compression,
                                            "rollout": {"split": cfg.main.test_split,
                                                        "limit": cfg.main.test_tasks}})  # fmt: skip
            folder = run_dir / "rollouts" / label
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "config.json").write_text(
                json.dumps(OmegaConf.to_container(arm_cfg, resolve=True), indent=2, default=str)
            )
            rollout(arm_cfg, folder, llms)
            log_rollout(arm_cfg, folder)
        usage = llms.ledger.summary()
    log.info("3/3 Report and export")
    out = Path(cfg.report.out)
    tracking = settings(cfg)
    # from the store these rollouts were just logged to; from their folders if tracking is off
    source = cfg.report.source if tracking is not None else "folders"
    report_cfg = OmegaConf.merge(cfg, {"report": {"source": source}})
    written = write_report(collect(report_cfg, under=run_dir / "rollouts"), out)
    best = load_guideline(cfg.optimizer.kind, cfg.optimizer.name, "best", guidelines)
    exported = export_guideline(best, Path(cfg.export.out))
    (run_dir / "usage.json").write_text(json.dumps(usage, indent=2))
    print(f"\nOptimized guideline: {best.name} v{best.version} "
          f"(lineage in {guidelines / best.kind / best.name})")  # fmt: skip
    for path in written:
        if path.suffix == ".md":
            print(f"\n{path}:\n{path.read_text()}")
    print("Where to look:")
    print(f"  run folder:       {run_dir}")
    print(f"  tables, figures:  {out}")
    print(f"  exported prompt:  {exported[0].parent}")
    if tracking is not None:
        print(
            f"  MLflow UI:        {Path(sys.executable).parent / 'mlflow'} ui "
            f"--backend-store-uri {tracking.uri} "
            f"--host 127.0.0.1  (experiment {tracking.experiment})"
        )
    return {"best_version": best.version, "report": [str(p) for p in written]}


@hydra_app
def main(cfg: Any) -> None:
    run_verb(main_job, cfg)


if __name__ == "__main__":
    main()
