"""A task profile measured from earlier runs' rows (`estimate.measured_from`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from statistics import mean
from typing import Any

from acon.errors import AconError
from acon.estimate.config import TaskProfile
from acon.run_folder import RunFolder
from acon.tracking.usage import usage_by_role


def _uncompressed(folder: RunFolder) -> bool:
    compression = folder.config().get("compression") or {}
    return all(not (node or {}).get("_target_") for node in compression.values())


def measured(profile: TaskProfile, folders: Iterable[str | Path]) -> TaskProfile:
    """`profile` with every figure the runs measure: an uncompressed run's rows give steps,
    token sizes and success; a compressed one's its success; the call logs the compressor's
    and the optimizer's reply sizes (a main job's or an optimization's run folder holds both).
    Per task, the context is taken to grow linearly: from a task's steps `s`, total agent
    input `T` and peak input `P`, it grows by `2 (sP - T) / (s (s - 1))` tokens a step."""
    plain: list[dict[str, Any]] = []
    compressed: list[dict[str, Any]] = []
    logs: set[Path] = set()  # every call log: the runs' own, and a job's around them
    for path in folders:
        runs = RunFolder.find([path])
        if not runs:
            raise AconError(f"No task results under {path}: fix estimate.measured_from.")
        logs.update(RunFolder(path).call_logs())
        for run in runs:
            (plain if _uncompressed(run) else compressed).extend(run.finished().values())
            logs.update(run.call_logs())
    figures: dict[str, Any] = {}
    if plain:
        system = [r["peak_tokens_with_system"] - r["peak_tokens"] for r in plain]
        growth, first = [], []
        for r, sys_tokens in zip(plain, system, strict=True):
            s, total, peak = r["steps"], r["agent_in_tokens"], r["peak_tokens_with_system"]
            g = 2 * (s * peak - total) / (s * (s - 1)) if s > 1 else 0.0
            growth.append(g)
            first.append(peak - (s - 1) * g - sys_tokens)
        action = mean(r["agent_out_tokens"] / max(r["steps"], 1) for r in plain)
        figures.update(
            steps=mean(r["steps"] for r in plain),
            system_tokens=round(mean(system)),
            task_tokens=round(max(mean(first), 0)),
            action_tokens=round(action),
            observation_tokens=round(max(mean(growth) - action, 0)),
            success=mean(float(bool(r["success"])) for r in plain),
        )
    if compressed:
        figures["compressed_success"] = mean(float(bool(r["success"])) for r in compressed)
        figures["compressed_steps"] = mean(r["steps"] for r in compressed)
    figures.update(_reply_sizes(logs))
    return replace(profile, **figures)


def _reply_sizes(logs: Iterable[Path]) -> dict[str, int]:
    """Compressor and optimizer reply sizes from the runs' call logs (cl100k)."""
    calls: dict[str, float] = {}
    tokens: dict[str, float] = {}
    for log in logs:
        for role, usage in usage_by_role(log).items():
            calls[role] = calls.get(role, 0) + usage["calls"]
            tokens[role] = tokens.get(role, 0) + usage["completion_tokens_cl100k"]
    figures = {}
    if calls.get("compressor"):
        figures["summary_tokens"] = round(tokens["compressor"] / calls["compressor"])
    if calls.get("optimizer"):
        reply = round(tokens["optimizer"] / calls["optimizer"])
        figures.update(feedback_tokens=reply, proposal_tokens=reply)
    return figures
