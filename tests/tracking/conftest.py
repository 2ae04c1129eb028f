"""The tracking tests' guard: nothing may log to MLflow's default store (the store and the
scripted endpoint fixtures are in tests/conftest.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(autouse=True)
def _no_store_in_the_working_directory():
    """MLflow's default store is `mlflow.db` in the working directory: nothing of ours
    may fall back to it."""
    yield
    assert not os.path.exists("mlflow.db"), "something logged to MLflow's default store"
