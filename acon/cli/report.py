"""`acon-report`: the paper's tables and figures from finished rollouts.

acon-report                                   # every rollout in the MLflow store
acon-report 'report.experiments=[acon/qa]' report.out=results/qa
acon-report report.source=folders 'report.runs=[runs/2026-11-21]'   # tracking=off runs
acon-report report.source=rows 'report.runs=[results]' report.out=results   # re-derive
    every committed table from the per-task rows beside it (in place; another out mirrors)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acon.cli.entry import entry
from acon.report.build import collect, rederive, write_report, write_search
from acon.run_folder import RunFolder


def run(cfg: Any, folder: RunFolder) -> list[Path]:
    if cfg.report.source == "rows":
        written = rederive(list(cfg.report.runs), cfg.report.out)
    else:
        written = write_report(collect(cfg), cfg.report.out)
        if cfg.report.source == "folders":  # optimizations among them: their searches
            written += write_search(list(cfg.report.runs), cfg.report.out)
    print("Wrote:\n" + "\n".join(f"  {p}" for p in written))
    return written


main = entry(run)

if __name__ == "__main__":
    main()
