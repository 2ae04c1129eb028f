"""Settings and params: absolute stores, experiment per benchmark, secrets never logged."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.config import benchmark_name
from acon.errors import AconError
from acon.tracking.params import MAX_VALUE, config_params
from acon.tracking.settings import settings


def test_default_store_is_an_absolute_sqlite_file_in_the_projects_run_folder(monkeypatch):
    monkeypatch.delenv("ACON_TRACKING_URI", raising=False)
    s = settings(compose())
    assert s.mode == "local" and s.serve_sweeps
    assert s.uri.startswith("sqlite:////") and s.uri.endswith("/runs/mlflow.db")
    assert s.experiment == "acon/facts"


def test_env_override_experiment_name_and_off(monkeypatch, tmp_path):
    monkeypatch.setenv("ACON_TRACKING_URI", f"sqlite:///{tmp_path}/x.db")
    assert settings(compose()).uri == f"sqlite:///{tmp_path}/x.db"
    assert settings(compose(["tracking.experiment=mine"])).experiment == "mine"
    assert settings(compose(["tracking=off"])) is None
    assert settings(compose(["tracking=server"])).artifacts_dir is None


def test_a_relative_store_is_refused_with_the_fix():
    with pytest.raises(AconError, match="four slashes"):
        settings(compose(["tracking.uri=sqlite:///runs/mlflow.db"]))


def test_benchmark_name_from_the_env_target():
    assert benchmark_name(compose()) == "facts"
    assert benchmark_name({"env": {"_target_": "my_pkg.envs.AppWorldEnv"}}) == "appworld"
    assert benchmark_name({"env": {"name": "officebench", "_target_": "x.Y"}}) == "officebench"


def test_params_are_the_flattened_config_without_secrets(monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-live-abcdefghijklmnopqrstuvwxyz")
    cfg = compose(
        [
            "llm.agent.api_key_env=MY_KEY",
            "+llm.agent.extra_headers.api_key=sk-live-abcdefghijklmnopqrstuvwxyz",
            "+rollout.note=" + "x" * 7000,
            "+env.leak=token sk-live-abcdefghijklmnopqrstuvwxyz here",
        ]
    )
    params = config_params(cfg)
    assert params["compression.history._target_"] == "null"  # no compression
    assert params["env._target_"] == "environments.facts.env.FactsEnv"
    assert params["llm.agent.api_key_env"] == "MY_KEY"
    assert "sk-live" not in "".join(params.values())
    assert params["llm.agent.extra_headers.api_key"] == "***"
    assert len(params["rollout.note"]) == MAX_VALUE and params["rollout.note"].endswith("]")
    assert all(len(k) <= 250 and len(v) <= MAX_VALUE for k, v in params.items())
