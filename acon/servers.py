"""The lifecycle every server the harness starts shares (llama.cpp, MLflow, AppWorld).

A `ManagedServer` is a child process bound to 127.0.0.1 on a free port (or a fixed one),
waited for until its health route answers, and always stopped: on leaving the `with`
block (normal exit, exception, Ctrl-C), at interpreter exit, and, should the harness be
killed outright, by the kernel (PR_SET_PDEATHSIG). Only our own child is ended, by its
handle (or its own process group, for servers that fork workers). Its output goes to a
log file; its last line is quoted when it fails to start.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import httpx

from acon.errors import AconError

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1
_PORT_TRIES = 3  # a free port can be taken between our check and the server's bind


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A `preexec_fn` asking the kernel to send the child `sig` when its parent dies. A
    child that must clean up after itself (e.g. end its own process group) takes SIGTERM."""

    def preexec() -> None:  # runs in the child between fork and exec
        # Not Linux: no libc.so.6, and the atexit and context-manager stops still apply.
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)

    return preexec


def log_tail(path: Path, lines: int = 5) -> str:
    """The last lines of a server's log ('' when there is none yet)."""
    try:
        with path.open(errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).strip()
    except OSError:
        return ""


class ManagedServer:
    """Subclasses say what to run (`command`) and how to talk about it; the rest is here.

    `with Server(...) as s: s.url` -> `http://127.0.0.1:PORT`.
    """

    name = "The server"  # as a sentence starts: "The MLflow tracking server"
    health_path = "/health"
    death_signal = signal.SIGKILL  # SIGTERM for a server that must end its own group
    own_process_group = False  # True: stop() ends the whole group (servers with workers)
    start_hint = "see its log"  # the fix to name when it does not start
    timeout_hint = "raise its startup timeout"  # the fix to name when it is slow

    def __init__(self, log_path: str | Path, *, port: int = 0, startup_timeout_s: float = 90.0):
        self.log_path = Path(log_path)
        self.fixed_port = port
        self.port: int | None = port or None
        self.startup_timeout_s = startup_timeout_s
        self.exit_code: int | None = None  # after stop(): 0 or -15 = ended on SIGTERM, -9 = killed
        self._proc: subprocess.Popen[bytes] | None = None

    # -- what a subclass provides -----------------------------------------------------

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str] | None:
        return None  # the harness's own

    def popen(self, make: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        """Where the child is forked from (AppWorld forks from one long-lived thread)."""
        return make()

    # -- the lifecycle ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> ManagedServer:
        for _attempt in range(_PORT_TRIES):
            self.port = self.fixed_port or free_port()
            self._spawn()
            if self._wait_ready():
                log.info("%s is ready at %s (pid %s)", self.name, self.url, self.pid)
                return self
            tail = log_tail(self.log_path).lower()
            if self.fixed_port or not ("bind" in tail or "address already in use" in tail):
                break
        tail = log_tail(self.log_path)
        self.stop()
        raise AconError(
            f"{self.name} did not start (see {self.log_path}; last line: "
            f"{tail.splitlines()[-1] if tail else 'none'}): {self.start_hint}."
        )

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as logf:
            self._proc = self.popen(
                lambda: subprocess.Popen(
                    self.command(self.port or 0),
                    stdout=logf,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=self.environment(),
                    start_new_session=self.own_process_group,
                    preexec_fn=die_with_parent(self.death_signal),
                )
            )
        atexit.register(self.stop)

    def healthy(self, timeout_s: float = 2.0) -> bool:
        """The process runs and its health route answers 200."""
        if self._proc is None or self._proc.poll() is not None:
            return False
        try:
            return httpx.get(self.url + self.health_path, timeout=timeout_s).status_code == 200
        except httpx.HTTPError:
            return False

    def _wait_ready(self) -> bool:
        """True when healthy, False when the process ended; an error past the timeout."""
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            if self.healthy():
                return True
            time.sleep(0.2)
        self.stop()
        raise AconError(
            f"{self.name} was not ready within {self.startup_timeout_s:.0f} s "
            f"(see {self.log_path}): {self.timeout_hint}."
        )

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers: to our child, or to its own group."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        if self.own_process_group:
            _stop_group(proc)
        elif proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %s) ignored SIGTERM: killing it", self.name, proc.pid)
                proc.kill()
                proc.wait()
        self.exit_code = proc.returncode

    def __enter__(self) -> ManagedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    group = proc.pid  # it leads its own session, so its group id is its pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    # its workers may still be finishing; give them a moment, then force them
    deadline = time.monotonic() + 10
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


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
