"""A command that needs an extra the set-up did not install stops with one sentence naming
it (`make run` installs only the main job's extras): checked with the extra's modules
hidden from the import system, as in a venv without them."""

from __future__ import annotations

import importlib.util

import pytest

from acon.distill.config import LoraTrainConfig
from acon.distill.train import train
from acon.errors import AconError
from tests.environments.officebench.conftest import officebench_env


@pytest.fixture
def without(monkeypatch):
    """Make `find_spec` report these modules as not installed."""
    real = importlib.util.find_spec

    def hide(*names: str) -> None:
        monkeypatch.setattr(
            importlib.util, "find_spec", lambda name, *a: None if name in names else real(name, *a)
        )

    return hide


def test_lora_training_without_the_distill_extra_names_it(without, tmp_path):
    without("peft")
    with pytest.raises(AconError, match=r"needs the distill extra: pip install torch==2\.13\.0"):
        train(LoraTrainConfig(), tmp_path, tmp_path / "out", local_models={}, models_dir=tmp_path)
    assert not (tmp_path / "out").exists()  # stopped before anything was written


def test_officebench_without_its_extra_names_it(without, tmp_path):
    without("docx")
    with pytest.raises(
        AconError, match=r"needs the officebench extra: pip install -e '\.\[officebench\]'"
    ):
        officebench_env(str(tmp_path))
