"""Write the tables (Markdown and CSV) and figures (PNG) for every benchmark found.

`collect(cfg)` picks the source: the MLflow tracking store (`report.source: store`, the
default) or run folders (`report.source: folders`, e.g. for runs made with tracking=off).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from acon.errors import AconError
from acon.report import plots, tables
from acon.report.rollouts import Rollouts
from acon.report.sources import from_folders, from_store
from acon.tracking.settings import settings


def collect(cfg: Any, under: Path | None = None) -> Rollouts:
    """The rollouts to report on; `under` keeps only those whose run folder is in it
    (the main job's own)."""
    r = cfg.report
    if r.source == "folders":
        roots = [under] if under else list(r.runs)
        found = from_folders(roots)
        where = f"under {', '.join(map(str, roots))}"
    else:
        tracking = settings(cfg)
        if tracking is None:
            raise AconError(
                "report.source=store needs the tracking store, but tracking is off: set "
                "tracking=local (or server), or report from run folders with report.source=folders."
            )
        filters = [f for f in (r.where, under and _inside(under)) if f]
        experiments = list(r.experiments) if r.experiments else None
        found = from_store(tracking.uri, experiments, " AND ".join(filters) or None)
        where = f"in the MLflow store {tracking.uri}" + (f" matching {r.where}" if r.where else "")
    if found.empty:
        raise AconError(
            f"No finished rollouts {where}: run acon-rollout first, or point the report at "
            f"them (report.source, report.runs, report.experiments, report.where)."
        )
    return found


def _inside(folder: Path) -> str:
    return f"tags.`acon.run_dir` LIKE '{Path(folder).resolve()}/%'"


def write_report(rollouts: Rollouts, out_dir: str | Path) -> list[Path]:
    """Per benchmark: methods.md/.csv, levels.md/.csv, score_vs_peak.png and
    context_per_step.png under `out_dir/<benchmark>/`; returns the files written."""
    tasks, out = rollouts.tasks, Path(out_dir)
    methods = tables.method_table(tasks)
    levels = tables.difficulty_table(tasks)
    written: list[Path] = []
    for benchmark in methods.index.get_level_values("benchmark").unique():
        folder = out / benchmark
        folder.mkdir(parents=True, exist_ok=True)
        own = methods.loc[[benchmark]].droplevel("benchmark")
        others = [c for c in own.columns if c not in tables.COLUMNS.values()]
        own = own.drop(columns=[c for c in others if own[c].isna().all()])  # other benchmarks'
        written += _write(own, folder / "methods")
        if not levels.empty and benchmark in levels.index.get_level_values("benchmark"):
            written += _write(levels.loc[[benchmark]].droplevel("benchmark"), folder / "levels")
        written.append(plots.score_vs_peak(methods, benchmark, folder / "score_vs_peak.png"))
        mine = tasks.loc[tasks["benchmark"] == benchmark, ["run", "method"]].drop_duplicates()
        steps = rollouts.steps.merge(mine, on="run")
        # in the table's order, so each method keeps its colour across both figures
        curves = {m: steps[steps["method"] == m] for m in methods.loc[benchmark].index}
        written.append(plots.context_per_step(curves, benchmark, folder / "context_per_step.png"))
    return written


def _write(table: pd.DataFrame, stem: Path) -> list[Path]:
    md, csv = stem.with_suffix(".md"), stem.with_suffix(".csv")
    md.write_text(table.to_markdown(floatfmt=".3f") + "\n")
    table.to_csv(csv)
    return [md, csv]
