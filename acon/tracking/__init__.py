"""MLflow as the harness's record: runs, sweeps, optimizer candidates, guideline versions.

Thin on purpose: everything is read back from a run folder after the work is done, so a
run that is not tracked (tracking=off) is the same run. MLflow is imported lazily.
"""

from __future__ import annotations

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from acon.tracking.optimize import log_optimization  # noqa: E402
from acon.tracking.registry import (  # noqa: E402
    load_registered_guideline,
    prompt_name,
    sync_guidelines,
)
from acon.tracking.rollout import log_rollout  # noqa: E402
from acon.tracking.settings import TrackingSettings, benchmark_name, settings  # noqa: E402

__all__ = [
    "TrackingSettings",
    "benchmark_name",
    "load_registered_guideline",
    "log_optimization",
    "log_rollout",
    "prompt_name",
    "settings",
    "sync_guidelines",
]
