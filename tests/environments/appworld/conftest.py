"""Fixtures for AppWorld tests: the fake engine (unit tests) and the real one
(integration tests need .venv-appworld from `make setup`; outside CI they skip without
it, in CI they fail)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from acon.errors import AconError
from environments.appworld.config import AppWorldConfig
from environments.appworld.env import AppWorldEnv
from tests.support import REPO_ROOT

FAKE_ENGINE = Path(__file__).resolve().parent / "fake_engine.py"
APPWORLD_PYTHON = REPO_ROOT / ".venv-appworld" / "bin" / "python"


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    """An AppWorld root with two official-style tasks of one scenario, and split files."""
    root = tmp_path / "root"
    for task_id, level in (("abc123_1", 1), ("abc123_2", 2)):
        task_dir = root / "data" / "tasks" / task_id
        (task_dir / "ground_truth").mkdir(parents=True)
        (task_dir / "specs.json").write_text(
            json.dumps(
                {
                    "instruction": f"Instruction of {task_id}.",
                    "datetime": "2023-05-18T12:00:00",
                    "supervisor": {
                        "first_name": "Jo",
                        "last_name": "Re",
                        "email": "jo@x.com",
                        "phone_number": "555",
                    },
                    "db_version": "0.1.0",
                }
            )
        )
        (task_dir / "ground_truth" / "metadata.json").write_text(json.dumps({"difficulty": level}))
    splits = tmp_path / "splits"
    splits.mkdir()
    (splits / "dev.txt").write_text("abc123_1\nabc123_2\n")
    return root


@pytest.fixture
def fake_env_kwargs(fake_root: Path, tmp_path: Path) -> dict:
    return {
        "task_source": "official",
        "python": sys.executable,
        "engine_app": str(FAKE_ENGINE),
        "appworld_root": str(fake_root),
        "splits_dir": str(tmp_path / "splits"),
        "log_dir": str(tmp_path / "logs"),
        "startup_timeout_s": 30,
    }


@pytest.fixture(scope="session")
def appworld_python() -> Path:
    from environments.appworld.data import check_install

    try:
        return check_install(APPWORLD_PYTHON)
    except AconError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"AppWorld prerequisites missing in CI: {exc}")
        pytest.skip(f"AppWorld prerequisites missing: {exc}")


@pytest.fixture(scope="session")
def pack_root(appworld_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated pack, generated once for the session through the real engine."""
    from environments.appworld.data import ensure_pack

    return ensure_pack(appworld_python, tmp_path_factory.mktemp("appworld") / "pack")


def appworld_env(**settings: object) -> AppWorldEnv:
    """The environment with these settings (the rest: the schema's defaults)."""
    return AppWorldEnv(AppWorldConfig(**settings))
