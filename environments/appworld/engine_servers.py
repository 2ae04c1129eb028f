"""AppWorld environment servers: started in AppWorld's own virtual environment, on
127.0.0.1, health-checked, and always stopped.

AppWorld pins pydantic<2 and fastapi<0.111, so it cannot live in the harness's
environment: each server is a child process running `engine/http_app.py` with
`.venv-appworld/bin/python` (AppWorld's FastAPI environment app). One server holds one
task world at a time, so parallel tasks need several servers: `ServerPool` starts N of
them on free ports and lends them out. Servers stop on `stop()`/`with` exit, at
interpreter exit, and, if the harness is killed outright, by the kernel
(PR_SET_PDEATHSIG), so none outlives its run (`acon.servers` holds that lifecycle).
Each writes its log to `log_dir`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from acon.errors import AconError
from acon.servers import ManagedServer

log = logging.getLogger(__name__)
ENGINE_DIR = Path(__file__).resolve().parent / "engine"
ENGINE_APP = ENGINE_DIR / "http_app.py"


class _Spawner:
    """Forks every server from one long-lived thread. PR_SET_PDEATHSIG fires when the
    *thread* that forked the child ends, not the process: a server started from a
    short-lived worker thread (a parallel start, a parallel rollout worker) would be
    killed as soon as that thread finished."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _run(self) -> None:
        while True:
            fn, future = self._jobs.get()
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)

    def call(self, fn: Callable[[], Any]) -> Any:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="appworld-spawner", daemon=True
                )
                self._thread.start()
        future: Future[Any] = Future()
        self._jobs.put((fn, future))
        return future.result()


_spawner = _Spawner()


class AppWorldServer(ManagedServer):
    """`with AppWorldServer(python, root, log) as s: s.base_url` -> `http://127.0.0.1:PORT`."""

    name = "The AppWorld server"
    health_path = "/"  # the FastAPI app's index route
    # SIGKILL, not SIGTERM: the engine keeps nothing in memory worth flushing, and a server
    # that failed to handle SIGTERM would otherwise outlive a killed harness.
    death_signal = signal.SIGKILL
    start_hint = "run `make setup` to (re)install AppWorld in .venv-appworld, or fix env.python"
    timeout_hint = "raise env.startup_timeout_s"

    def __init__(
        self,
        python: str | Path,
        root: str | Path,
        log_path: str | Path,
        *,
        script: str | Path = ENGINE_APP,
        startup_timeout_s: float = 180.0,
    ):
        super().__init__(log_path, startup_timeout_s=startup_timeout_s)
        self.python = str(python)
        self.root = Path(root)
        self.script = str(script)

    @property
    def base_url(self) -> str:
        return self.url

    def command(self, port: int) -> list[str]:
        return [self.python, self.script, "--root", str(self.root), "--port", str(port)]

    def popen(self, make: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        return _spawner.call(make)


class ServerPool:
    """N AppWorld servers over one root, started together, lent one task at a time."""

    def __init__(
        self,
        size: int,
        python: str | Path,
        root: str | Path,
        log_dir: str | Path,
        *,
        script: str | Path = ENGINE_APP,
        startup_timeout_s: float = 180.0,
    ):
        if size < 1:
            raise AconError(f"env.servers is {size}: set it to 1 or more.")
        self.servers = [
            AppWorldServer(
                python,
                root,
                Path(log_dir) / f"appworld-server-{i}.log",
                script=script,
                startup_timeout_s=startup_timeout_s,
            )
            for i in range(size)
        ]
        self._free: queue.Queue[AppWorldServer] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> ServerPool:
        with self._lock:
            if self._started:
                return self
            # Each server imports AppWorld for several seconds: start them side by side.
            with ThreadPoolExecutor(len(self.servers)) as pool:
                futures = [pool.submit(s.start) for s in self.servers]
                errors = [f.exception() for f in futures if f.exception() is not None]
            if errors:
                self.stop()
                raise errors[0]  # type: ignore[misc]
            for server in self.servers:
                self._free.put(server)
            self._started = True
        return self

    def acquire(self, timeout_s: float | None = None) -> AppWorldServer:
        self.start()
        try:
            return self._free.get(timeout=timeout_s)
        except queue.Empty:
            raise AconError(
                f"No AppWorld server was free within {timeout_s} s: raise env.servers."
            ) from None

    def release(self, server: AppWorldServer) -> None:
        self._free.put(server)

    @contextlib.contextmanager
    def lease(self, timeout_s: float | None = None) -> Iterator[AppWorldServer]:
        server = self.acquire(timeout_s)
        try:
            yield server
        finally:
            self.release(server)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        with self._lock:
            self._started = False
            self._free = queue.Queue()

    def __enter__(self) -> ServerPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
