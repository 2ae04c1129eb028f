"""Where the harness keeps its files: the repository's `conf/`, and a per-user cache."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = REPO_ROOT / "conf"


def default_cache_dir() -> Path:
    """`$ACON_CACHE_DIR`, else `~/.cache/acon`: shared by every clone, so models and
    cached responses survive a fresh checkout."""
    return Path(os.environ.get("ACON_CACHE_DIR") or Path.home() / ".cache" / "acon")
