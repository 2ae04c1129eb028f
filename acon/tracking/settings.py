"""What `tracking:` in the config means: where runs go, under which experiment.

Modes: `local` (an absolute SQLite file; a sweep logs through a harness-started server),
`server` (an existing tracking server at `uri`, nothing started) and `off`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from acon.config.naming import ConfigRecord, benchmark_name
from acon.config.schemas import InvalidSetting, check_choice
from acon.errors import AconError

# MLflow's own usage telemetry stays off wherever the harness imports MLflow.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

MODES = ("local", "server", "off")


@dataclass
class TrackingConfig:
    """`tracking:` (conf/tracking/<local|server|off>.yaml)."""

    mode: str = "off"
    uri: str | None = None  # an absolute sqlite:////path, or an http(s) server
    experiment: str | None = None  # null: acon/<benchmark>, one experiment per benchmark
    artifacts_dir: str | None = None  # where new experiments keep artifacts; null: the server's
    serve_sweeps: bool = False  # a multirun logs through a harness-started `mlflow server`
    server_startup_timeout_s: float = 90.0

    def __post_init__(self) -> None:
        check_choice("mode", self.mode, MODES)
        if self.mode != "off" and not self.uri:
            raise InvalidSetting("uri", self.uri, f"tracking={self.mode} needs a tracking uri")


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


def settings(cfg: ConfigRecord) -> TrackingSettings | None:
    """The run's tracking settings; None when tracking is off (or not configured)."""
    t = cfg.get("tracking")
    if t is None or t.get("mode", "off") == "off":
        return None
    uri = str(t["uri"])
    check_absolute(uri)
    artifacts = t.get("artifacts_dir")
    return TrackingSettings(
        mode=str(t["mode"]),
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
