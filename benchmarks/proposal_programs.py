"""The three proposal programs side by side on the offline setting (issue #32, item 1).

    .venv/bin/python benchmarks/proposal_programs.py --out results/optimizers/proposals [overrides]

Runs `acon-optimize +experiment=quickstart` once per program (`rewrite`, `append`,
`edits`, each for both UT and CO; CO has no `append`, so that arm's CO rewrites), two
rounds (four steps) with the same patience, on the same training tasks, then tabulates
each step from the run's optimizer report: candidates asked for, distinct new ones,
unusable replies, candidates rejected for copying a training task, the best candidate's
score against its parent's on the step's selection tasks, and the decision. The rollouts
go through the shared rollout store, so the training arms (without compression and with
the start) are paid for once across the three runs. Writes `proposal_steps.csv` (one row
per step) and `proposals.md` into `--out`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

# the arm: (UT's program, CO's program)
PROGRAMS = {
    "rewrite": ("rewrite", "rewrite"),
    "append": ("append", "rewrite"),
    "edits": ("edits", "edits"),
}


def run(program: str, run_dir: Path, overrides: list[str]) -> float:
    """One optimization with `program`'s arm; its wall time in seconds (a finished run
    folder is read, not run again: its time was recorded beside it)."""
    wall = run_dir / "wall_s.txt"
    if wall.is_file() and (run_dir / "optimizer_report.json").is_file():
        return float(wall.read_text())
    ut, co = PROGRAMS[program]
    command = [
        str(Path(sys.executable).parent / "acon-optimize"),
        "+experiment=quickstart",
        f"optimizer.ut_proposal={ut}",
        f"optimizer.co_proposal={co}",
        "optimizer.rounds=2",
        "optimizer.patience=2",
        "tracking=off",
        f"hydra.run.dir={run_dir}",
        *overrides,
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    wall.write_text(str(time.perf_counter() - start))
    return float(wall.read_text())


def step_rows(program: str, report: dict) -> list[dict]:
    n_candidates = report.get("n_candidates")
    rows = []
    for step in report["steps"]:
        scored = [c for c in step["candidates"] if c.get("score") is not None]
        best = max(scored, key=lambda c: c["score"], default=None)
        parent = step.get("parent") or {}
        rows.append(
            {
                "program": program,
                "proposal": PROGRAMS[program][0 if step["step"] == "ut" else 1],
                "round": step["round"],
                "step": step["step"],
                "asked": step.get("proposals", n_candidates),
                "distinct_new": len(step["candidates"]),
                "unusable": len(step.get("unusable") or []),
                "leaking": len(step.get("leaking") or []),
                "selection_tasks": " ".join(step.get("task_set") or []),
                "parent_version": step["parent_version"],
                "parent_score": parent.get("score"),
                "best_candidate_score": best["score"] if best else None,
                "best_candidate_change": best.get("change") if best else None,
                "kept": f"v{step['best_version']}" if step["improved"] else "parent",
                "skipped": step.get("skipped"),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args, overrides = parser.parse_known_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, walls = [], {}
    for program in PROGRAMS:
        run_dir = Path("runs") / "proposal_programs" / program
        walls[program] = run(program, run_dir, overrides)
        report = json.loads((run_dir / "optimizer_report.json").read_text())
        rows += step_rows(program, report)
    frame = pd.DataFrame(rows)
    frame.to_csv(out / "proposal_steps.csv", index=False)
    summary = frame.groupby("program", sort=False).agg(
        steps=("step", "size"),
        asked=("asked", "sum"),
        distinct_new=("distinct_new", "sum"),
        unusable=("unusable", "sum"),
        leaking=("leaking", "sum"),
        kept_a_candidate=("kept", lambda k: int((k != "parent").sum())),
    )
    summary["wall (min)"] = [round(walls[p] / 60, 1) for p in summary.index]
    (out / "proposals.md").write_text(
        summary.to_markdown() + "\n\n" + frame.to_markdown(index=False, floatfmt=".3f") + "\n"
    )
    print(summary.to_markdown())


if __name__ == "__main__":
    main()
