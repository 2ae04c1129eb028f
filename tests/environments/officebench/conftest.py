"""OfficeBench's real data (../shared/data/officebench): tests skip without it outside CI and
fail in CI, where it is always beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from acon.composition import compose


@pytest.fixture(scope="session")
def officebench_dir() -> Path:
    root = Path(compose().paths.data_dir) / "officebench"
    if not (root / "tasks").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"OfficeBench data missing in CI at {root}")
        pytest.skip(f"OfficeBench data not found at {root}")
    return root


@pytest.fixture(scope="session")
def officebench(officebench_dir):
    pytest.importorskip("openpyxl", reason="the officebench extra is not installed")
    return officebench_env(str(officebench_dir))


@pytest.fixture
def env(officebench_dir, tmp_path):
    """A fresh environment whose workspaces live in tmp_path; the tools' and checks' tests
    reach every subtask, those that need OCR included."""
    e = officebench_env(str(officebench_dir), workspace_parent=str(tmp_path), ocr_tasks="include")
    yield e
    e.close()


def officebench_env(data_dir: str, **settings: object):
    """The environment over `data_dir` with these settings (the rest: the defaults)."""
    from environments.officebench.config import OfficeBenchConfig
    from environments.officebench.env import OfficeBenchEnv

    return OfficeBenchEnv(OfficeBenchConfig(data_dir=data_dir, **settings))
