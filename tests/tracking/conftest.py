"""Fixtures for the tracking tests: a scripted OpenAI-compatible endpoint playing every
role (tests/optimize/brain.py); the MLflow store fixture is in tests/conftest.py."""

from __future__ import annotations

import os

import pytest

from acon.llm.fake_server import FakeOpenAI
from tests.optimize.brain import brain

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture
def fake():
    with FakeOpenAI(default=brain) as server:
        yield server


def scripted_overrides(fake, tmp_path) -> list[str]:
    return [f"llm.common.base_url={fake.base_url}", "llm.common.model=scripted",
            f"llm.cache.dir={tmp_path / 'responses'}", "env.filler_lines=4"]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_store_in_the_working_directory():
    """MLflow's default store is `mlflow.db` in the working directory: nothing of ours
    may fall back to it."""
    yield
    assert not os.path.exists("mlflow.db"), "something logged to MLflow's default store"
