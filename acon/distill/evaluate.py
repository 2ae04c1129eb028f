"""Teacher, base student and distilled student on the same test tasks (the paper's Figure 4
and Table 4): score, peak tokens, dependency, compressor cost and latency, each a mean
over tasks with a 95% bootstrap interval, plus the share of compressor replies that
parsed, and the distilled student against each of the others, paired by task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from acon.metrics import finished_rows
from acon.report.stats import mcnemar_exact, mean_interval, paired_difference
from acon.run_folder import RunFolder

ARMS = ("teacher", "base_student", "distilled_student")
MEASURES = {  # column: (label, scale)
    "score": ("Score", 1.0),
    "peak_tokens": ("Peak tokens (k)", 1e-3),
    "dependency": ("Dependency (M)", 1e-6),
    "compressor_cost_usd": ("Compressor $ / task", 1.0),
    "compressor_latency_s": ("Compressor s / task", 1.0),
}


def comparison(folders: dict[str, RunFolder]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per arm, one row per paired comparison of the distilled student)."""
    done = {arm: pd.DataFrame(finished_rows(f.rows())) for arm, f in folders.items()}
    rows = []
    for arm, frame in done.items():
        row: dict[str, Any] = {"arm": arm, "tasks": len(frame)}
        for column, (label, scale) in MEASURES.items():
            values = frame[column].astype(float) * scale if len(frame) else pd.Series([])
            low, high = mean_interval(values)
            row[label] = values.mean() if len(values) else float("nan")
            row[f"{label} CI"] = f"[{low:.3f}, {high:.3f}]"
        calls = int(frame["compressor_calls"].sum()) if len(frame) else 0
        failed = int(frame["compressor_failures"].sum()) if len(frame) else 0
        row["Success"] = f"{int(frame['success'].sum())}/{len(frame)}" if len(frame) else "0/0"
        row["Compressor calls"] = calls
        row["Parsed replies"] = (calls - failed) / calls if calls else float("nan")
        row["Compressor s / call"] = (
            frame["compressor_latency_s"].sum() / calls if calls else float("nan")
        )
        rows.append(row)
    table = pd.DataFrame(rows).set_index("arm")
    pairs = []
    student = done.get("distilled_student")
    for other in ("teacher", "base_student"):
        if student is None or other not in done or student.empty or done[other].empty:
            continue
        both = student.merge(done[other], on="task_id", suffixes=("", "_other"))
        pair: dict[str, Any] = {"comparison": f"distilled_student - {other}", "tasks": len(both)}
        for column, (label, scale) in MEASURES.items():
            d = paired_difference(both[column] * scale, both[f"{column}_other"] * scale)
            pair[label] = f"{d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}]" + (
                " *" if d.significant else ""
            )
        only_student, only_other, p = mcnemar_exact(both["success"], both["success_other"])
        pair["Success (only / only other, McNemar p)"] = f"{only_student} / {only_other}, {p:.3f}"
        pairs.append(pair)
    return table, pd.DataFrame(pairs)


def write_comparison(folders: dict[str, RunFolder], out: str | Path) -> list[Path]:
    """`distillation.md`, `.csv` and `distillation.png` in `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table, pairs = comparison(folders)
    retained = ""
    if {"teacher", "distilled_student"} <= set(table.index) and table.loc["teacher", "Score"]:
        share = table.loc["distilled_student", "Score"] / table.loc["teacher", "Score"]
        retained = f"\nThe distilled student keeps {share:.0%} of the teacher's mean score.\n"
    md = [
        "# Compressor distillation",
        "",
        table.to_markdown(floatfmt=".3f"),
        "",
        "Paired by task (distilled student minus the other; * : the 95% interval leaves out 0):",
        "",
        pairs.to_markdown(index=False) if len(pairs) else "(no pairs)",
        retained,
    ]
    paths = [out / "distillation.md", out / "distillation.csv", out / "distillation.png"]
    paths[0].write_text("\n".join(md) + "\n")
    table.to_csv(paths[1])
    _figure(table, paths[2])
    return paths


def _figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, label in zip(axes, ("Score", "Peak tokens (k)"), strict=True):
        means = table[label]
        bounds = [tuple(map(float, s.strip("[]").split(", "))) for s in table[f"{label} CI"]]
        err = [
            [m - lo for m, (lo, _) in zip(means, bounds, strict=True)],
            [hi - m for m, (_, hi) in zip(means, bounds, strict=True)],
        ]
        ax.bar(
            range(len(table)), means, yerr=err, capsize=4, color=["#4c72b0", "#c44e52", "#55a868"]
        )
        ax.set_xticks(range(len(table)), [a.replace("_", " ") for a in table.index])
        ax.set_title(f"{label}, 95% interval")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
