"""Checking the evaluators against the benchmark's own reference outputs.

For every subtask whose checks compare a result with a file in `tasks/<task>/reference/`,
build a workspace holding those reference files at the result paths and evaluate it (it
should pass), and evaluate an untouched workspace (it should fail). Also lists every
subtask that an untouched workspace already passes.

    python -m environments.officebench.reference_check ../shared/data/officebench
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from typing import Any

from environments.officebench.config import OfficeBenchConfig
from environments.officebench.env import OfficeBenchEnv


@dataclass
class ReferenceRow:
    subtask: str
    passes_with_reference: bool
    untouched_fails: bool
    reasons: list[str] = field(default_factory=list)  # why it cannot pass from references


def reference_checks(env: OfficeBenchEnv, subtask_id: str) -> list[dict[str, Any]]:
    sub = env.data.subtasks[subtask_id]
    return [
        c
        for c in sub.spec["evaluation"]
        if c["function"] == "evaluate_exact_match" and "reference/" in c["args"]["expected_file"]
    ]


def check_subtask(env: OfficeBenchEnv, subtask_id: str) -> ReferenceRow:
    untouched = env.workspace_for(subtask_id)
    try:
        untouched_fails = not all(r.passed for r in env.evaluate_workspace(subtask_id, untouched))
    finally:
        untouched.close()
    ws = env.workspace_for(subtask_id)
    reasons = []
    try:
        for check in reference_checks(env, subtask_id):
            expected = ws.eval_path(check["args"]["expected_file"])
            if not expected.is_file():
                reasons.append(f"reference file {expected.name} is not in the data")
                continue
            target = ws.eval_path(check["args"]["result_file"])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(expected, target)
        results = env.evaluate_workspace(subtask_id, ws)
    finally:
        ws.close()
    for result, check in zip(
        results, env.data.subtasks[subtask_id].spec["evaluation"], strict=True
    ):
        if not result.passed and not any(r.startswith("reference file") for r in reasons):
            reasons.append(f"{result.function} ({_target(check['args'])}): {result.reason}")
    return ReferenceRow(subtask_id, all(r.passed for r in results), untouched_fails, reasons)


def _target(args: dict[str, Any]) -> str:
    for key in ("result_file", "file", "username", "output_file"):
        if key in args:
            return str(args[key])
    return "?"


def reference_report(env: OfficeBenchEnv) -> list[ReferenceRow]:
    ids = [s.id for s in env.data.split("all") if reference_checks(env, s.id)]
    return [check_subtask(env, i) for i in ids]


def untouched_passes(env: OfficeBenchEnv) -> list[str]:
    """Subtasks whose checks already pass on the starting testbed (defects in the data)."""
    out = []
    for sub in env.data.split("all"):
        ws = env.workspace_for(sub.id)
        try:
            if all(r.passed for r in env.evaluate_workspace(sub.id, ws)):
                out.append(sub.id)
        finally:
            ws.close()
    return out


def main(argv: list[str]) -> None:
    env = OfficeBenchEnv(
        OfficeBenchConfig(data_dir=argv[0] if argv else "../shared/data/officebench")
    )
    rows = reference_report(env)
    print(
        f"{len(rows)} subtasks with reference outputs; "
        f"{sum(r.passes_with_reference for r in rows)} pass with them, "
        f"{sum(r.untouched_fails for r in rows)} fail untouched.\n"
    )
    print("| subtask | passes with references | untouched fails | why not |")
    print("|---|---|---|---|")
    for r in rows:
        why = "; ".join(r.reasons) or ""
        print(f"| {r.subtask} | {r.passes_with_reference} | {r.untouched_fails} | {why} |")
    print("\nPass on the untouched testbed:", ", ".join(untouched_passes(env)) or "none")


if __name__ == "__main__":
    main(sys.argv[1:])
