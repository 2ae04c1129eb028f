"""Shared fixtures. Integration tests need the real llama.cpp server and the local model
(`make setup` provides both). Outside CI they are skipped when those are missing; in CI
(CI=true) a missing piece fails the run instead of hiding it."""

from __future__ import annotations

import os
import shutil

import pytest

from acon.composition import compose
from acon.errors import AconError
from tests.support.paper import paper_machine  # noqa: F401 (a fixture for the paper presets)


@pytest.fixture(scope="session")
def local_llm_ready():
    from acon.llm.models import ensure_model, find_binary, spec_for

    cfg = compose()
    try:
        find_binary(cfg.llm.server.binary)
        spec = spec_for(cfg.local_models, "qwen2.5-coder-0.5b")
        models_dir = cfg.paths.models_dir
        if not (os.path.isfile(os.path.join(models_dir, spec.file)) or os.environ.get("CI")):
            raise AconError("the local model is not assembled: run `make setup`")
        ensure_model(spec, __import__("pathlib").Path(models_dir))
    except AconError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"integration prerequisites missing in CI: {exc}")
        pytest.skip(f"integration prerequisites missing: {exc}")
    return cfg


@pytest.fixture
def local_cfg(local_llm_ready, tmp_path):
    """The offline default config with a fresh response cache, so calls reach the server."""
    return compose([f"llm.cache.dir={tmp_path / 'responses'}"])


@pytest.fixture(autouse=True, scope="session")
def _tracking_store_outside_the_repo(tmp_path_factory):
    """Runs started by tests (subprocesses included) log to a throw-away MLflow store."""
    folder = tmp_path_factory.mktemp("mlflow")
    saved = {k: os.environ.get(k) for k in ("ACON_TRACKING_URI", "ACON_TRACKING_ARTIFACTS")}
    os.environ["ACON_TRACKING_URI"] = f"sqlite:///{folder / 'mlflow.db'}"
    os.environ["ACON_TRACKING_ARTIFACTS"] = str(folder / "artifacts")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def _empty_store(tmp_path_factory):
    """An MLflow SQLite store, migrated once per session and then copied: a fresh one
    costs about 10 s of migrations on 2 cores."""
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
    """The scripted OpenAI-compatible endpoint playing every role (tests/support/brain.py)."""
    from acon.llm.fake_server import FakeOpenAI
    from tests.support.brain import brain

    with FakeOpenAI(default=brain) as server:
        yield server
