"""Where the harness keeps its files: the configs shipped inside the package (a source
checkout's top-level `conf/` links to them), the working directory for what a run makes,
and a per-user cache."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CONF_DIR = PACKAGE_DIR / "conf"


def project_dir() -> Path:
    """Where runs, the MLflow store and results go unless configured elsewhere: the
    working directory, so an installed harness keeps them in the user's own project."""
    return Path.cwd().resolve()


def default_cache_dir() -> Path:
    """`$ACON_CACHE_DIR`, else `~/.cache/acon`: shared by every clone, so models and
    cached responses survive a fresh checkout."""
    return Path(os.environ.get("ACON_CACHE_DIR") or Path.home() / ".cache" / "acon")
