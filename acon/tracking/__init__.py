"""MLflow as the harness's record: runs, sweeps, optimizer candidates, guideline versions.

Thin on purpose: everything is read back from a run folder after the work is done, so a
run that is not tracked (tracking=off) is the same run. MLflow is imported lazily.

    rollout_runs.py        a rollout as a run: live per-task metrics, then params, metrics,
                           tables, artifacts
    optimization_runs.py   an optimization as a run, its candidates as nested runs (live)
    prompt_registry.py     guideline versions in the Prompt Registry
    reader.py              rollouts read back (the report's default source)
    store.py, settings.py  experiments, runs and sweeps in a store; what `tracking:` means
    sweep_callback.py, mlflow_server.py   a sweep's parent run and its local server
"""

from __future__ import annotations

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from acon.tracking.optimization_runs import LiveOptimization, log_optimization  # noqa: E402
from acon.tracking.prompt_registry import (  # noqa: E402
    load_registered_guideline,
    prompt_name,
    sync_guidelines,
)
from acon.tracking.rollout_runs import LiveRollout, log_rollout  # noqa: E402
from acon.tracking.settings import TrackingSettings, settings  # noqa: E402

__all__ = [
    "LiveOptimization",
    "LiveRollout",
    "TrackingSettings",
    "load_registered_guideline",
    "log_optimization",
    "log_rollout",
    "prompt_name",
    "settings",
    "sync_guidelines",
]
