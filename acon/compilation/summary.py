"""A compile's account: the funnel from trajectories to kept pairs, what each check let
through, cost, time, what was redacted, and sample pairs kept and rejected (the first in
the store's order, not chosen).

    <run>/compilation.json, compilation.md
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from acon.compilation.compiler import CompileReport

SAMPLES = 3


def failed_check(verdicts: dict[str, bool | None]) -> str | None:
    return next((name for name, v in verdicts.items() if v is False), None)


def write_summary(
    report: CompileReport, pairs: list[dict[str, Any]], run_dir: Path, checks: list[str]
) -> Path:
    """`pairs`: every stored pair of this compile's trajectories (kept or not)."""
    kept = [p for p in pairs if p["kept"]][:SAMPLES]
    rejected = [p for p in pairs if not p["kept"]][:SAMPLES]
    data = {
        **report.to_dict(),
        "checks": checks,
        "samples": {"kept": [_sample(p) for p in kept], "rejected": [_sample(p) for p in rejected]},
    }
    (run_dir / "compilation.json").write_text(json.dumps(data, indent=2, default=str))
    path = run_dir / "compilation.md"
    path.write_text(markdown(data))
    return path


def _sample(pair: dict[str, Any]) -> dict[str, Any]:
    return {
        k: pair[k]
        for k in (
            "session",
            "window",
            "question",
            "answer",
            "supporting_turns",
            "verdicts",
            "scores",
        )
    }


def markdown(data: dict[str, Any]) -> str:
    per_pair = data["cost_per_kept_pair_usd"]
    lines = [
        "# Trajectory compilation",
        "",
        f"Sessions read: {data['sources']['sessions']} (run-folder tasks left out: "
        f"{data['sources']['tasks_skipped']}); windows shorter than the minimum left out: "
        f"{data['sources']['short']}.",
        f"Trajectories: {data['trajectories']} (compiled now {data['compiled']}, "
        f"already in the store {data['from_store']}).",
        "",
        "| stage | pairs |",
        "|---|---:|",
        f"| proposed (well-formed) | {data['proposed']} |",
    ]
    for check in data["checks"]:
        lines.append(f"| passed {check} | {data['passed'].get(check, 0)} |")
    lines += [f"| **kept** | **{data['kept']}** |", ""]
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(data["dropped"].items())) or "none"
    lines += [
        f"Dropped before verification: {dropped}.",
        f"Cost: ${data['cost_usd']:.4f} in all, "
        + (f"${per_pair:.5f} per kept pair." if per_pair is not None else "no pair kept."),
        f"Wall time: {data['seconds']:.0f} s.",
        "Redacted: "
        + (", ".join(f"{k} {v}" for k, v in sorted(data["redacted"].items())) or "nothing")
        + "; names and places "
        + ("detected (NER model)." if data["names_detected"] else "NOT looked for (no NER model)."),
        "Roles off this machine: " + (", ".join(data["external_roles"]) or "none") + ".",
    ]
    for title, key in (("Kept", "kept"), ("Rejected", "rejected")):
        lines += ["", f"## {title} (first {SAMPLES})", ""]
        for s in data["samples"][key] or [None]:
            if s is None:
                lines.append("(none)")
                continue
            why = failed_check(s["verdicts"])
            scores = ", ".join(f"{k} {v:.2f}" for k, v in s["scores"].items())
            lines.append(
                f"- **Q:** {s['question']}  **A:** {s['answer']}  (session "
                f"{s['session']}, turns {s['supporting_turns']}"
                + (f"; failed {why}" if why else "")
                + (f"; {scores}" if scores else "")
                + ")"
            )
    return "\n".join(lines) + "\n"
