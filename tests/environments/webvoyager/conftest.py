"""Browser fixtures: the real Chromium (Debian's, via Playwright). Outside CI a missing
browser or Playwright skips the browser tests; in CI (CI=true) it fails them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from environments.webvoyager.browser import BrowserConfig


def chromium_descendants() -> list[int]:
    """Chromium processes started (at any depth) by this test process."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z":  # exited, not yet reaped
            continue
        parents[int(entry.name)], names[int(entry.name)] = int(fields[1]), name
    me = os.getpid()

    def mine(pid: int) -> bool:
        seen = 0
        while pid > 1 and seen < 64:
            pid, seen = parents.get(pid, 0), seen + 1
            if pid == me:
                return True
        return False

    return [p for p, n in names.items() if "chrom" in n.lower() and mine(p)]


@pytest.fixture(scope="session")
def chromium_ready() -> BrowserConfig:
    config = BrowserConfig()
    problem = None
    try:
        import playwright  # noqa: F401
    except ImportError:
        problem = "Playwright is not installed (make setup installs the webvoyager extra)"
    if problem is None and not Path(config.executable_path).exists():
        problem = f"no Chromium at {config.executable_path} (make chromium)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser prerequisites missing in CI: {problem}")
        pytest.skip(f"browser prerequisites missing: {problem}")
    return config
