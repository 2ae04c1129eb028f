"""`acon-report`: the paper's tables and figures from finished rollouts.

acon-report                                   # every rollout under runs/ and multirun/
acon-report 'report.runs=[runs/2026-11-21]' report.out=results
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acon.cli.entry import hydra_app, run_verb
from acon.report.build import build_report


def run(cfg: Any, run_dir: Path) -> list[Path]:
    written = build_report(cfg.report.runs, cfg.report.out)
    print("Wrote:\n" + "\n".join(f"  {p}" for p in written))
    return written


@hydra_app
def main(cfg: Any) -> None:
    run_verb(run, cfg)


if __name__ == "__main__":
    main()
