"""The type hints are checked: mypy (configured in pyproject.toml) finds no error in the
package and the benchmarks, so `make lint` and CI (this test) fail on a new one."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO_ROOT


def test_mypy_finds_no_error(tmp_path):
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path)]
    checked = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert checked.returncode == 0, checked.stdout[-4000:]
    assert "Success: no issues found" in checked.stdout
