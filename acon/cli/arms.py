"""Rollouts that a verb runs into its own run folder, each tracked as an MLflow run:
`acon-main`'s test arms, `acon-distill`'s teacher and its three compressors."""

from __future__ import annotations

import logging

from acon.llm.session import LLMSession
from acon.rollout import RolloutResult, RolloutSpec, rollout
from acon.run_folder import RunFolder
from acon.tracking import LiveRollout

log = logging.getLogger(__name__)


def tracked_rollout(spec: RolloutSpec, folder: RunFolder, llms: LLMSession) -> RolloutResult:
    """`spec`'s rollout into `folder` (its config written beside the rows), live in MLflow."""
    folder.make().write_config(spec.config)
    with LiveRollout(spec.config, folder) as live:
        return rollout(spec, folder, llms, on_row=live.task)


def run_arms(
    arms: dict[str, RolloutSpec], folder: RunFolder, llms: LLMSession, stage: str
) -> tuple[dict[str, RunFolder], list[str]]:
    """Each arm's rollout into `<folder>/rollouts/<arm>/`, in order: (their folders, one
    line per arm with errored tasks). `stage` prefixes the progress lines ("2/3")."""
    folders, errors = {}, []
    for n, (label, arm) in enumerate(arms.items(), 1):
        log.info("%s Test rollouts (%d/%d): %s", stage, n, len(arms), label)
        folders[label] = folder.child("rollouts", label)
        result = tracked_rollout(arm, folders[label], llms)
        if result.errored:
            errors.append(f"{label}: {result.errors_summary()}")
    return folders, errors
