"""`main.baselines` with `main.baseline_settings`: the paper's baselines as acon-main runs
them (FIFO 5 turns, retrieval 4 + last with text-embedding-3-large, LLMLingua-2 at 30%:
Appendix B.3), and a setting that does not fit is one sentence naming the baseline's key."""

from __future__ import annotations

import pytest

from acon.errors import AconError
from acon.optimize.evaluation import baseline_configs


def test_settings_go_over_the_baselines_defaults():
    configs = baseline_configs(
        "history",
        ["fifo", "retrieval"],
        {"retrieval": {"embedding": {"provider": "openai", "model": "text-embedding-3-large"}}},
    )
    assert configs["fifo"].keep_turns == 5 and configs["retrieval"].k == 4
    assert configs["retrieval"].embedding.model == "text-embedding-3-large"


def test_a_setting_that_does_not_fit_names_the_baselines_key(monkeypatch):
    with pytest.raises(AconError, match=r"main.baseline_settings.fifo does not fit"):
        baseline_configs("history", ["fifo"], {"fifo": {"keep": 3}})
    with pytest.raises(AconError, match="compression/history=fifoo is not an option"):
        baseline_configs("history", [], {"fifoo": {}})  # a typo, even when not run

    def problem(setting: str, model: str) -> str:
        return f"set {setting}.model_name to a local copy"

    monkeypatch.setattr("acon.compression.llmlingua.llmlingua2_problem", problem)
    with pytest.raises(AconError) as refused:
        baseline_configs("history", ["llmlingua"], {"llmlingua": {"scorer": "llmlingua2"}})
    assert "main.baseline_settings.llmlingua.model_name" in str(refused.value)
    assert "compression.history" not in str(refused.value)
