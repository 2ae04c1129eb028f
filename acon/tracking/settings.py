"""What `tracking:` in the config means: where runs go, under which experiment.

Modes: `local` (an absolute SQLite file; a sweep logs through a harness-started server),
`server` (an existing tracking server at `uri`, nothing started) and `off`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acon.errors import AconError

# MLflow's own usage telemetry stays off wherever the harness imports MLflow.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

MODES = ("local", "server", "off")


@dataclass(frozen=True)
class TrackingSettings:
    mode: str
    uri: str
    experiment: str
    artifacts_dir: Path | None  # where new experiments keep artifacts; None: the server's
    serve_sweeps: bool  # a multirun logs through a harness-started `mlflow server`
    server_startup_timeout_s: float = 90.0

    @property
    def is_sqlite(self) -> bool:
        return self.uri.startswith("sqlite:")


def benchmark_name(cfg: Any) -> str:
    """`env.name` if set, else the benchmark's package under `environments/`
    (`environments.facts.FactsEnv` -> `facts`), else the env class's name."""
    env = cfg.get("env") or {}
    if env.get("name"):
        return str(env.get("name"))
    target = str(env.get("_target_") or "")
    parts = target.split(".")
    if len(parts) >= 3 and parts[0] == "environments":
        return parts[1]
    cls = parts[-1] if parts and parts[-1] else "unknown"
    return cls.removesuffix("Env").lower() or cls.lower()


def settings(cfg: Any) -> TrackingSettings | None:
    """The run's tracking settings; None when tracking is off (or not configured)."""
    t = cfg.get("tracking")
    if t is None or t.get("mode", "off") == "off":
        return None
    mode = str(t.mode)
    if mode not in MODES:
        raise AconError(f"Unknown tracking.mode {mode!r}: use tracking=local, server or off.")
    uri = str(t.uri)
    check_absolute(uri)
    artifacts = t.get("artifacts_dir")
    return TrackingSettings(
        mode=mode,
        uri=uri,
        experiment=str(t.get("experiment") or f"acon/{benchmark_name(cfg)}"),
        artifacts_dir=Path(artifacts).resolve() if artifacts else None,
        serve_sweeps=bool(t.get("serve_sweeps", False)),
        server_startup_timeout_s=float(t.get("server_startup_timeout_s", 90)),
    )


def check_absolute(uri: str) -> None:
    """A relative SQLite or file store would land wherever the command was started."""
    for scheme in ("sqlite:///", "file://"):
        if uri.startswith(scheme):
            path = uri[len(scheme) :] if scheme == "sqlite:///" else uri[len("file:") :]
            if not path.startswith("/"):
                raise AconError(
                    f"tracking.uri {uri!r} is relative: give an absolute location, e.g. "
                    f"sqlite:////abs/path/mlflow.db (four slashes)."
                )
    if uri.startswith("sqlite:") and not uri.startswith("sqlite:///"):
        raise AconError(f"tracking.uri {uri!r} is not a SQLite file URI: use sqlite:////abs/path.")


def sqlite_path(uri: str) -> Path:
    """The file behind `sqlite:////abs/path.db`."""
    return Path(uri[len("sqlite:///") :])
