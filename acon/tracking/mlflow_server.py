"""A local `mlflow server` the harness starts and stops, so parallel jobs log over HTTP
and only the server writes the SQLite file (the lifecycle is `acon.servers`'s).

It runs in its own process group (uvicorn forks a worker), which `stop()` ends whole;
should the harness be killed outright, the kernel sends it SIGTERM and
`acon/tracking/mlflow_server_process.py` ends its group. Its log is the file given (the run folder).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from acon.servers import HOST, ManagedServer


class TrackingServer(ManagedServer):
    """`with TrackingServer(backend_uri, artifacts_dir, log_path) as s: s.uri`."""

    name = "The MLflow tracking server"
    death_signal = signal.SIGTERM  # mlflow_server_process.py then ends its group
    own_process_group = True
    start_hint = "check tracking.uri, or set tracking=off"
    timeout_hint = "raise tracking.server_startup_timeout_s"

    def __init__(
        self,
        backend_uri: str,
        artifacts_dir: Path | None,
        log_path: Path,
        *,
        port: int = 0,
        startup_timeout_s: float = 90.0,
    ):
        super().__init__(log_path, port=port, startup_timeout_s=startup_timeout_s)
        self.backend_uri = backend_uri
        self.artifacts_dir = artifacts_dir

    @property
    def uri(self) -> str:
        return self.url

    def command(self, port: int) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "acon.tracking.mlflow_server_process",
            "server",
            "--backend-store-uri",
            self.backend_uri,
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
        ]
        if self.artifacts_dir is not None:
            # Clients write artifacts straight to this folder (same machine); the UI reads it.
            cmd += ["--default-artifact-root", str(self.artifacts_dir), "--no-serve-artifacts"]
        return cmd

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            # no background job runner: the harness only logs and reads
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        }

    def start(self) -> TrackingServer:
        if self.artifacts_dir is not None:
            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        super().start()
        return self
