"""The paper's two figures, as PNG: score against peak tokens (Figure 1), and the agent's
context length per step with and without compression (Figure 2); and the methods table
at a glance (`methods`), one panel per measure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

STYLE: dict[Any, Any] = {
    "figure.dpi": 150,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
}


def score_vs_peak(table: pd.DataFrame, benchmark: str, path: Path) -> Path:
    """One point per method: mean peak tokens (x) against mean score (y), with their 95%
    intervals as error bars."""
    rows = table.loc[benchmark]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for i, (method, row) in enumerate(rows.iterrows()):
            acon = "Acon (" in method
            ax.errorbar(
                row["Peak (k)"],
                row["Score"],
                xerr=_spread(row, "Peak (k)"),
                yerr=_spread(row, "Score"),
                color=f"C{i % 10}",
                alpha=0.5,
                capsize=3,
                linewidth=1,
                zorder=2,
            )
            ax.scatter(
                row["Peak (k)"],
                row["Score"],
                s=90 if acon else 55,
                marker="*" if acon else "o",
                color=f"C{i % 10}",
                zorder=3,
                label=method,
            )
            ax.annotate(
                method,
                (row["Peak (k)"], row["Score"]),
                textcoords="offset points",
                xytext=(6, 4),
                fontsize=8,
            )
        ax.set_xlabel("Peak context (thousand tokens, cl100k)")
        ax.set_ylabel("Task score")
        ax.set_title(f"{benchmark}: score against peak context")
        # from zero on both axes: a small difference should look small
        ax.set_xlim(0, rows[["Peak (k)", "Peak (k) CI high"]].max().max() * 1.3 or 1)
        ax.set_ylim(0, max(1.0, rows["Score"].max()) * 1.05)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


METHOD_PANELS = [
    "Score",
    "Peak (k)",
    "Dependency (M)",
    "Compressor tokens (k)",
    "Agent wait (s)",
    "Agent latency (s)",
]


def methods(table: pd.DataFrame, benchmark: str, path: Path) -> Path:
    """A bar per method in each panel (score, peak tokens, dependency, the compressor's
    tokens, the agent's wait for its compressions and for its own model), with 95%
    intervals as whiskers where the table has them; the methods in the table's order, top
    to bottom."""
    rows = table.loc[benchmark]
    panels = [c for c in METHOD_PANELS if c in rows and rows[c].notna().any()]
    names = list(rows.index)[::-1]
    with plt.rc_context(STYLE):
        size = (2.6 * len(panels) + 2.4, 0.32 * len(names) + 1.2)
        fig, axes = plt.subplots(1, len(panels), sharey=True, figsize=size)
        for ax, column in zip(list(axes) if len(panels) > 1 else [axes], panels, strict=True):
            values = rows[column].reindex(names)
            errors = [_spread(rows.loc[m], column) or [[0.0], [0.0]] for m in names]
            ax.barh(
                names,
                values.fillna(0),
                color=[f"C{i % 10}" for i in range(len(names))][::-1],
                xerr=[[e[0][0] for e in errors], [e[1][0] for e in errors]],
                capsize=2,
                alpha=0.8,
            )
            ax.set_title(column, fontsize=9)
            ax.set_xlim(left=0)
        fig.suptitle(f"{benchmark}: every method on the same tasks (95% intervals)", fontsize=10)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


def thresholds(table: pd.DataFrame, benchmark: str, path: Path) -> Path:
    """The paper's Figure 6: score (with its 95% interval) and compressions per task
    against the compression threshold, a line per swept method."""
    rows = table.loc[benchmark]
    with plt.rc_context(STYLE):
        fig, (score, fired) = plt.subplots(1, 2, figsize=(9.6, 3.8))
        for i, (method, part) in enumerate(rows.groupby("Method", sort=False)):
            part = part.sort_values("Threshold")
            colour = f"C{i % 10}"
            lows = (part["Score"] - part["Score CI low"]).clip(lower=0).fillna(0)
            highs = (part["Score CI high"] - part["Score"]).clip(lower=0).fillna(0)
            score.errorbar(
                part["Threshold"],
                part["Score"],
                yerr=[lows, highs],
                marker="o",
                color=colour,
                capsize=3,
                label=method,
            )
            fired.plot(
                part["Threshold"],
                part["Compressions per task"],
                marker="o",
                color=colour,
                label=method,
            )
        ticks = sorted(rows["Threshold"].dropna().unique())
        for ax in (score, fired):
            ax.set_xscale("log", base=2)
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.minorticks_off()
            ax.set_xlabel("Compression threshold (tokens, cl100k)")
        score.set_ylabel("Task score")
        score.set_ylim(0, 1.05)
        fired.set_ylabel("Compressions per task")
        fired.set_ylim(bottom=0)
        score.legend(fontsize=8)
        fig.suptitle(f"{benchmark}: score and compression frequency by threshold")
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


def _spread(row: pd.Series, column: str) -> list[list[float]] | None:
    """Error-bar lengths below and above the mean, from the table's interval columns."""
    low, high = row.get(f"{column} CI low"), row.get(f"{column} CI high")
    if low is None or pd.isna(low):
        return None
    return [[max(row[column] - low, 0.0)], [max(high - row[column], 0.0)]]


def context_per_step(curves: dict[str, pd.DataFrame], benchmark: str, path: Path) -> Path:
    """Mean agent input per step (with the range over tasks shaded), one line per method."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for i, (method, steps) in enumerate(curves.items()):
            if steps.empty:
                continue
            stats = steps.groupby("step")["in_tokens"].agg(["mean", "min", "max"]) / 1000
            ax.plot(stats.index, stats["mean"], color=f"C{i % 10}", label=method, lw=2)
            ax.fill_between(stats.index, stats["min"], stats["max"], color=f"C{i % 10}", alpha=0.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Agent step")
        ax.set_ylabel("Agent input (thousand tokens, cl100k)")
        ax.set_title(f"{benchmark}: context length per step")
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


def search(curves: dict[str, pd.DataFrame], path: Path) -> Path:
    """Each optimizer's best score so far against the task rollouts it had spent (a step
    line from its start); scores are each method's own selection scores."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for i, (method, points) in enumerate(curves.items()):
            ax.step(
                points["rollouts"],
                points["best_so_far"],
                where="post",
                color=f"C{i % 10}",
                label=method,
                lw=2,
            )
            ax.scatter(points["rollouts"], points["score"], color=f"C{i % 10}", s=12, alpha=0.5)
        ax.set_xlabel("Task rollouts spent (training rollouts included)")
        ax.set_ylabel("Best selection score so far (dots: each candidate)")
        ax.set_title("Optimizers at equal budget: the search")
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path
