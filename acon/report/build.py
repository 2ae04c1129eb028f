"""Write the tables (Markdown and CSV) and figures (PNG) for every benchmark found."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from acon.errors import AconError
from acon.report import collect, plots, tables


def build_report(roots: Iterable[str | Path], out_dir: str | Path) -> list[Path]:
    """Report on every rollout under `roots`; returns the files written."""
    roots = list(roots)
    folders = collect.find_runs(roots)
    tasks = collect.task_rows(folders)
    if tasks.empty:
        raise AconError(
            f"No finished rollouts under {', '.join(map(str, roots))}: run acon-rollout first, "
            f"or point report.runs at the folders that hold results.jsonl."
        )
    out = Path(out_dir)
    written: list[Path] = []
    methods = tables.method_table(tasks)
    levels = tables.difficulty_table(tasks)
    for benchmark in methods.index.get_level_values("benchmark").unique():
        folder = out / benchmark
        folder.mkdir(parents=True, exist_ok=True)
        table = methods.loc[[benchmark]].droplevel("benchmark")
        written += _write(table, folder / "methods")
        if not levels.empty and benchmark in levels.index.get_level_values("benchmark"):
            written += _write(levels.loc[[benchmark]].droplevel("benchmark"), folder / "levels")
        written.append(plots.score_vs_peak(methods, benchmark, folder / "score_vs_peak.png"))
        curves = {}
        for run in tasks.loc[tasks["benchmark"] == benchmark, "run"].unique():
            method = tasks.loc[tasks["run"] == run, "method"].iloc[0]
            curves[method] = pd.concat(
                [curves.get(method, pd.DataFrame()), collect.context_per_step(Path(run))]
            )
        written.append(plots.context_per_step(curves, benchmark, folder / "context_per_step.png"))
    return written


def _write(table: pd.DataFrame, stem: Path) -> list[Path]:
    md, csv = stem.with_suffix(".md"), stem.with_suffix(".csv")
    md.write_text(table.to_markdown(floatfmt=".3f") + "\n")
    table.to_csv(csv)
    return [md, csv]
