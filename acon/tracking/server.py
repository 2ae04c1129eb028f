"""A local `mlflow server` the harness starts and stops, so parallel jobs log over HTTP
and only the server writes the SQLite file.

Bound to 127.0.0.1 on a free port, waited for until /health answers, and always stopped:
on leaving the `with` block, at interpreter exit, and by the kernel should the harness be
killed outright (see acon/tracking/serve.py). Its log is the file given (the run folder).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from acon.errors import AconError
from acon.llm.server import HOST, die_with_parent, free_port, log_tail


class TrackingServer:
    """`with TrackingServer(backend_uri, artifacts_dir, log_path) as s: s.uri`."""

    def __init__(
        self,
        backend_uri: str,
        artifacts_dir: Path | None,
        log_path: Path,
        *,
        port: int = 0,
        startup_timeout_s: float = 90.0,
    ):
        self.backend_uri = backend_uri
        self.artifacts_dir = artifacts_dir
        self.log_path = Path(log_path)
        self.port = port
        self.startup_timeout_s = startup_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def command(self, port: int) -> list[str]:
        cmd = [sys.executable, "-m", "acon.tracking.serve", "server",
               "--backend-store-uri", self.backend_uri, "--host", HOST, "--port", str(port),
               "--workers", "1"]  # fmt: skip
        if self.artifacts_dir is not None:
            # Clients write artifacts straight to this folder (same machine); the UI reads it.
            cmd += ["--default-artifact-root", str(self.artifacts_dir), "--no-serve-artifacts"]
        return cmd

    def start(self) -> TrackingServer:
        fixed = self.port
        for _attempt in range(3):  # a free port can be taken before the server binds it
            self.port = fixed or free_port()
            self._spawn()
            if self._wait_ready():
                return self
            if fixed:
                break
        tail = log_tail(self.log_path)
        self.stop()
        raise AconError(
            f"The MLflow tracking server did not start (see {self.log_path}; last line: "
            f"{tail.splitlines()[-1] if tail else 'none'}): check tracking.uri, or set "
            f"tracking=off."
        )

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.artifacts_dir is not None:
            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true",
               # no background job runner: the harness only logs and reads
               "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # fmt: skip
        with self.log_path.open("ab") as logf:
            self._proc = subprocess.Popen(
                self.command(self.port),
                stdout=logf,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # its own process group: stop() ends all of it
                preexec_fn=die_with_parent(signal.SIGTERM),  # serve.py ends its group
            )
        atexit.register(self.stop)

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout_s
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    return False
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(f"{self.uri}/health").status_code == 200:
                        return True
                time.sleep(0.25)
        self.stop()
        raise AconError(
            f"The MLflow tracking server was not ready within {self.startup_timeout_s:.0f} s "
            f"(see {self.log_path}): raise tracking.server_startup_timeout_s."
        )

    def stop(self) -> None:
        """SIGTERM to the server's own process group, SIGKILL if it lingers."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        group = proc.pid  # it leads its own session, so its group id is its pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        # uvicorn (its child) may still be finishing; give it a moment, then force it.
        deadline = time.monotonic() + 10
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)

    def __enter__(self) -> TrackingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def group_members(group: int) -> list[int]:
    """Live (not zombie) processes in process group `group`, read from /proc (Linux)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(stat.parent.name))
    return members


def _group_alive(group: int) -> bool:
    if Path("/proc/self/stat").exists():
        return bool(group_members(group))
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
