"""The lifecycle of a llama.cpp server for one local model.

Started on 127.0.0.1 (a free port unless one is configured), waited for until its
/health says the model is loaded, and always stopped: on leaving the `with` block
(normal exit, exception, Ctrl-C), at interpreter exit, and, should this process be
killed outright, by the kernel (PR_SET_PDEATHSIG with SIGKILL: a busy server finishes
its request before obeying SIGTERM), so no server outlives its run.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import httpx

from acon.errors import AconError
from acon.llm.config import ServerConfig

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


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


class LlamaServer:
    """`with LlamaServer(...) as server: server.base_url` -> `http://127.0.0.1:PORT/v1`."""

    def __init__(
        self,
        binary: str,
        model_path: Path,
        alias: str,
        config: ServerConfig,
        log_path: Path,
    ):
        self.binary = binary
        self.model_path = model_path
        self.alias = alias
        self.config = config
        self.log_path = log_path
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def command(self, port: int) -> list[str]:
        cfg = self.config
        cmd = [
            self.binary,
            "--model",
            str(self.model_path),
            "--alias",
            self.alias,
            "--host",
            HOST,
            "--port",
            str(port),
            "--ctx-size",
            str(cfg.ctx_size * cfg.parallel),
            "--parallel",
            str(cfg.parallel),
            "--threads",
            str(cfg.threads),
            "--jinja",
            "--no-webui",
        ]
        if cfg.flash_attn:
            cmd += ["--flash-attn", "on"]
        if not cfg.repack:
            cmd.append("--no-repack")
        return cmd + [str(a) for a in cfg.extra_args]

    def start(self) -> LlamaServer:
        cfg = self.config
        if cfg.port and not port_is_free(cfg.port):
            raise AconError(
                f"Port {cfg.port} on {HOST} is in use: set llm.server.port to a free port, "
                f"or 0 to let the harness pick one."
            )
        # A free port can be taken between our check and the server's bind: try again.
        for attempt in range(3):
            self.port = cfg.port or free_port()
            self._spawn()
            if self._wait_ready():
                log.info(
                    "llama-server for %s ready at %s (pid %s)", self.alias, self.base_url, self.pid
                )
                return self
            if cfg.port or attempt == 2 or "bind" not in log_tail(self.log_path).lower():
                break
        tail = log_tail(self.log_path)
        self.stop()
        raise AconError(
            f"llama-server for {self.alias} did not start (see {self.log_path}; last line: "
            f"{tail.splitlines()[-1] if tail else 'none'}): check llm.server settings."
        )

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as logf:
            self._proc = subprocess.Popen(
                self.command(self.port or 0),
                stdout=logf,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent(signal.SIGKILL),
            )
        atexit.register(self.stop)

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.config.startup_timeout_s
        url = f"http://{HOST}:{self.port}/health"
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    return False
                try:
                    if http.get(url).status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise AconError(
            f"llama-server for {self.alias} was not ready within "
            f"{self.config.startup_timeout_s:.0f} s "
            f"(see {self.log_path}): raise llm.server.startup_timeout_s."
        )

    def stop(self) -> None:
        """Terminate, then kill if it lingers. Only our own child, by its handle."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
