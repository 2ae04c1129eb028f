"""Fixtures for the tracking tests: an MLflow SQLite store (migrated once per session,
then copied: a fresh store costs about 10 s of migrations on 2 cores) and a scripted
OpenAI-compatible endpoint playing every role (tests/optimize/brain.py)."""

from __future__ import annotations

import os
import shutil

import pytest

from acon.llm.fake_server import FakeOpenAI
from tests.optimize.brain import brain

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="session")
def _empty_store(tmp_path_factory):
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()  # creates the tables
    return path


@pytest.fixture
def store(_empty_store, tmp_path):
    """(tracking uri, artifacts dir) of a fresh, empty store under tmp_path."""
    path = tmp_path / "store" / "mlflow.db"
    path.parent.mkdir()
    shutil.copy(_empty_store, path)
    return f"sqlite:///{path}", tmp_path / "store" / "artifacts"


@pytest.fixture
def fake():
    with FakeOpenAI(default=brain) as server:
        yield server


def tracking_overrides(store) -> list[str]:
    uri, artifacts = store
    return [f"tracking.uri={uri}", f"tracking.artifacts_dir={artifacts}"]


def scripted_overrides(fake, tmp_path) -> list[str]:
    return [f"llm.common.base_url={fake.base_url}", "llm.common.model=scripted",
            f"llm.cache.dir={tmp_path / 'responses'}", "env.filler_lines=4"]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_store_in_the_working_directory():
    """MLflow's default store is `mlflow.db` in the working directory: nothing of ours
    may fall back to it."""
    yield
    assert not os.path.exists("mlflow.db"), "something logged to MLflow's default store"
