"""Checks on processes the tests start: is a pid still running, and does a server die
with a harness that is killed outright (SIGKILL: no atexit, no finally)?"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from acon.servers import group_members


def pid_alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def group_alive(group: int) -> bool:
    return bool(group_members(group))


def wait_gone(pid: int, alive: Callable[[int], bool] = pid_alive, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def kill_harness(script: str, alive: Callable[[int], bool] = pid_alive) -> int:
    """Run `script` (it starts a server, prints the server's pid, then sleeps) in a fresh
    interpreter, check the server runs, kill the script outright; the server's pid."""
    harness = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        server_pid = int(harness.stdout.readline())
        assert alive(server_pid)
        harness.send_signal(signal.SIGKILL)
        harness.wait()
        return server_pid
    finally:
        if harness.poll() is None:
            harness.kill()
