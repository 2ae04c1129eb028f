"""Progress people can read (acon/progress.py), seen as a user sees it: a real
`acon-rollout` on the scripted endpoint, its output piped (a CI log) or on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.support import scripted_overrides

ACON_ROLLOUT = str(Path(sys.executable).parent / "acon-rollout")


def rollout_cmd(fake, tmp_path, *more):
    return [
        ACON_ROLLOUT,
        *scripted_overrides(fake, tmp_path),
        "rollout.limit=2",
        "tracking=off",
        f"hydra.run.dir={tmp_path / 'run'}",
        *more,
    ]


def test_piped_output_is_a_line_per_task_and_no_request_noise(fake, tmp_path):
    done = subprocess.run(rollout_cmd(fake, tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    console = done.stdout + done.stderr
    assert "[1/2] " in console and "[2/2] " in console and "mean score" in console
    assert "\r" not in console  # no bar redrawn in a log
    assert "HTTP Request" not in console  # third-party routine lines stay out ...
    log_file = (tmp_path / "run" / "entry.log").read_text()
    assert "HTTP Request: POST" in log_file and "[2/2] " in log_file  # ... the log keeps them


def test_dash_v_shows_the_libraries_lines_too(fake, tmp_path):
    done = subprocess.run(
        rollout_cmd(fake, tmp_path, "-v"), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "HTTP Request: POST" in done.stdout + done.stderr


def test_on_a_terminal_a_live_bar_shows_tasks_score_tokens_and_cost(fake, tmp_path):
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        rollout_cmd(fake, tmp_path),
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "COLUMNS": "160"},
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=300) == 0
    screen = b"".join(chunks).decode(errors="replace")
    assert "\r" in screen and "2/2" in screen  # a bar, redrawn as tasks finish
    assert "score 1.000" in screen and "tokens" in screen and "$0.0000" in screen
    assert "[2/2] " in screen  # the task lines, printed above the bar
