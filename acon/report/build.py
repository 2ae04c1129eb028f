"""Write the tables (Markdown and CSV) and figures (PNG) for every benchmark found.

`collect(cfg)` picks the source: the MLflow tracking store (`report.source: store`, the
default) or run folders (`report.source: folders`, e.g. for runs made with tracking=off).
Every benchmark's folder also gets the per-task rows behind its tables (`rows.csv`, and
`steps.csv` for the context figure), so a committed table can be re-derived from what is
committed beside it: `rederive` (`report.source: rows`) rebuilds every table folder that
holds rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from acon.config.naming import ConfigRecord
from acon.errors import AconError
from acon.report import plots, tables
from acon.report.rollouts import Rollouts
from acon.report.sources import ROWS, STEPS, from_folders, from_rows, from_store
from acon.tracking.settings import settings


def collect(cfg: ConfigRecord, under: Path | None = None) -> Rollouts:
    """The rollouts to report on; `under` keeps only those whose run folder is in it
    (the main job's own)."""
    r = cfg["report"]
    if r["source"] == "folders":
        roots = [under] if under else list(r["runs"])
        found = from_folders(roots)
        where = f"under {', '.join(map(str, roots))}"
    else:
        tracking = settings(cfg)
        if tracking is None:
            raise AconError(
                "report.source=store needs the tracking store, but tracking is off: set "
                "tracking=local (or server), or report from run folders with report.source=folders."
            )
        filters = [f for f in (r.get("where"), under and _inside(under)) if f]
        experiments = list(r["experiments"]) if r.get("experiments") else None
        found = from_store(tracking.uri, experiments, " AND ".join(filters) or None)
        where = f"in the MLflow store {tracking.uri}" + (
            f" matching {r['where']}" if r.get("where") else ""
        )
    if found.empty:
        raise AconError(
            f"No finished rollouts {where}: run acon-rollout first, or point the report at "
            f"them (report.source, report.runs, report.experiments, report.where)."
        )
    return found


def _inside(folder: Path) -> str:
    return f"tags.`acon.run_dir` LIKE '{Path(folder).resolve()}/%'"


def write_report(rollouts: Rollouts, out_dir: str | Path, rederived: bool = False) -> list[Path]:
    """Per benchmark: methods, levels, comparisons and, after a threshold sweep, thresholds
    (.md with intervals in brackets, .csv with them as columns), guidelines.md (the text
    and version each row followed), score_vs_peak.png, methods.png, context_per_step.png and
    thresholds.png (the paper's Figure 6), and the rows behind them (rows.csv, steps.csv;
    not when `rederived` from them) under `out_dir/<benchmark>/`; returns the files written."""
    out = Path(out_dir)
    written: list[Path] = []
    for benchmark, tasks in rollouts.tasks.groupby("benchmark", sort=True):
        folder = out / benchmark
        folder.mkdir(parents=True, exist_ok=True)
        mine = tasks[["run", "method"]].drop_duplicates()
        steps = rollouts.steps.merge(mine, on="run")
        if not rederived:  # the rows are the source: written once, never rewritten from themselves
            written += _rows(tasks, steps.drop(columns="method"), folder)
        methods = tables.method_table(tasks)
        written += _write(methods.droplevel("benchmark"), folder / "methods")
        levels = tables.difficulty_table(tasks)
        if not levels.empty:
            written += _write(levels.droplevel("benchmark"), folder / "levels")
        comparisons = tables.comparison_table(tasks)
        if not comparisons.empty:
            written += _write(comparisons.droplevel("benchmark"), folder / "comparisons")
        swept = tables.threshold_table(tasks)
        if not swept.empty:
            written += _write(swept.droplevel("benchmark"), folder / "thresholds")
            written.append(plots.thresholds(swept, benchmark, folder / "thresholds.png"))
        written.append(plots.score_vs_peak(methods, benchmark, folder / "score_vs_peak.png"))
        written.append(plots.methods(methods, benchmark, folder / "methods.png"))
        # in the table's order, so each method keeps its colour across both figures
        curves = {m: steps[steps["method"] == m] for m in methods.loc[benchmark].index}
        written.append(plots.context_per_step(curves, benchmark, folder / "context_per_step.png"))
        if len(rollouts.guidelines):
            written += _guidelines(rollouts.guidelines.merge(mine, on="run"), methods, folder)
    return written


def _rows(tasks: pd.DataFrame, steps: pd.DataFrame, folder: Path) -> list[Path]:
    """The per-task rows (every column the tables read: task, method, seed, score, success,
    steps, peak, dependency, status, ...) and the per-step context sizes, as CSV."""
    tasks.to_csv(folder / ROWS, index=False)
    steps.to_csv(folder / STEPS, index=False)
    return [folder / ROWS, folder / STEPS]


def rederive(roots: list[str | Path], out: str | Path | None = None) -> list[Path]:
    """Every table folder under `roots` that holds rows (`<root>/.../<benchmark>/rows.csv`)
    rebuilt from them: in place, or under `out` at the same path relative to its root.
    guidelines.md (the texts, not derived from rows) is left as it is."""
    written: list[Path] = []
    for root in map(Path, roots):
        for rows in sorted(root.rglob(ROWS)):
            parent = rows.parent.parent  # write_report adds the benchmark's folder
            target = parent if out is None else Path(out) / parent.relative_to(root)
            written += write_report(from_rows(rows.parent), target, rederived=True)
    if not written:
        raise AconError(
            f"No {ROWS} under {', '.join(map(str, roots))}: point report.runs at folders "
            f"that acon-report wrote (results/<set>/<benchmark>/{ROWS})."
        )
    return written


def _guidelines(used: pd.DataFrame, methods: pd.DataFrame, folder: Path) -> list[Path]:
    """`guidelines.md`: for each row that followed a guideline, its name, version and
    text (a row pooling runs of different texts lists each)."""
    if used.empty:
        return []
    parts = ["# The guideline texts behind each row\n"]
    order = list(methods.index.get_level_values("method"))
    used = used.drop_duplicates(["method", "kind", "text_sha"])
    for method in [m for m in order if m in set(used["method"])]:
        parts.append(f"## {method}\n")
        for g in used[used["method"] == method].itertuples():
            parts.append(f"{g.kind}: `{g.name}` v{g.version} (sha {str(g.text_sha)[:12]})\n")
            parts.append(f"```text\n{str(g.text).strip()}\n```\n")
    path = folder / "guidelines.md"
    path.write_text("\n".join(parts))
    return [path]


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """Each `<column> CI low`/`CI high` pair folded into its column as "mean [low, high]"."""
    table = table.copy()
    for column in [c for c in table.columns if f"{c} CI low" in table.columns]:
        low, high = table.pop(f"{column} CI low"), table.pop(f"{column} CI high")
        table[column] = [
            _cell(m) if pd.isna(lo) else f"{_cell(m)} [{_cell(lo)}, {_cell(hi)}]"
            for m, lo, hi in zip(table[column], low, high, strict=True)
        ]
    return table


def _cell(value: float) -> str:
    return "nan" if pd.isna(value) else f"{value:.3f}"


def _write(table: pd.DataFrame, stem: Path) -> list[Path]:
    md, csv = stem.with_suffix(".md"), stem.with_suffix(".csv")
    md.write_text(readable(table).to_markdown(floatfmt=".3f") + "\n")
    table.to_csv(csv)
    return [md, csv]


def write_search(roots: list[str | Path], out_dir: str | Path) -> list[Path]:
    """The optimizations under `roots` side by side (their `optimizer_report.json`): each
    method's search points (search.csv: rollouts spent, each candidate's score, the best so
    far) and one figure of the best score so far against rollouts (search.png), under
    `out_dir/optimizers/`. Nothing when no optimization is there."""
    frames = []
    for root in roots:
        for path in sorted(Path(root).rglob("optimizer_report.json")):
            report = json.loads(path.read_text())
            run = path.parent.parent if path.parent.name == "optimize" else path.parent
            label = f"{report['method']} ({run.name})"
            points = pd.DataFrame(report.get("search") or [])
            if not points.empty:
                frames.append(points.assign(optimizer=label, run=str(run)))
    if not frames:
        return []
    table = pd.concat(frames, ignore_index=True)
    folder = Path(out_dir) / "optimizers"
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "search.csv", index=False)
    curves = {name: points for name, points in table.groupby("optimizer", sort=True)}
    return [folder / "search.csv", plots.search(curves, folder / "search.png")]
