"""Hydra callback for sweeps (`-m`): before any job, the sweep's parent run is created and,
for a SQLite store, a local `mlflow server` is started that every job logs through (so
parallel jobs never write the file themselves); after the last job the parent is
closed and the server stopped. Registered by conf/tracking/{local,server}.yaml."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from acon.tracking.mlflow_server import TrackingServer
from acon.tracking.settings import settings
from acon.tracking.store import close_sweep, sweep_record

log = logging.getLogger(__name__)


class TrackingCallback(Callback):
    def __init__(self) -> None:
        self.server: TrackingServer | None = None
        self.sweep_dir: Path | None = None
        self.store_uri: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Parallel launchers (joblib) pickle the callbacks with each job: the jobs find the
        # server through the sweep record; its process handle stays with the launcher.
        return {**self.__dict__, "server": None}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        s = settings(config)
        if s is None or config.get("dry_run"):  # a dry run logs nothing
            return
        self.sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
        self.store_uri = s.uri
        log_uri = None
        if s.serve_sweeps and s.is_sqlite:
            self.server = TrackingServer(
                s.uri,
                s.artifacts_dir,
                self.sweep_dir / "mlflow-server.log",
                startup_timeout_s=s.server_startup_timeout_s,
            ).start()
            log_uri = self.server.uri
            log.info("MLflow server for this sweep at %s (pid %s)", log_uri, self.server.pid)
        try:
            overrides = list(config.hydra.overrides.task)
            sweep_record(s, self.sweep_dir, log_uri=log_uri, owner="callback", overrides=overrides)
        except BaseException:
            self._stop()
            raise

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self.sweep_dir is None:
            return
        try:
            close_sweep(self.sweep_dir, self.store_uri)
        finally:
            self._stop()

    def _stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
