"""The real local model (the 0.5B Qwen): one offline-site task rolled out with the real
browser through acon.rollout (the score is recorded, whatever it is), and one judge verdict."""

from __future__ import annotations

import json

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.rollout import RolloutSpec, rollout
from acon.run_folder import RunFolder
from environments.webvoyager.judge import Judge
from tests.environments.webvoyager.conftest import chromium_descendants

pytestmark = pytest.mark.integration


def test_local_site_task_with_the_local_model(local_llm_ready, chromium_ready, tmp_path):
    cfg = compose(
        [
            "env=webvoyager_local",
            f"llm.cache.dir={tmp_path / 'responses'}",
            "agent.max_steps=4",
            "llm.agent.max_tokens=150",
            "rollout.task_ids=[weather-bergen-thursday]",
        ]
    )
    with LLMSession(ModelSettings.of(cfg), tmp_path) as llms:
        table = rollout(RolloutSpec.of(cfg), RunFolder(tmp_path), llms).table
    assert chromium_descendants() == [], "the rollout left Chromium running"
    row = json.loads((tmp_path / "results.jsonl").read_text())
    assert row["status"] == "finished", row.get("error")  # an outage is no result
    print(f"\nweather-bergen-thursday with the 0.5B model: {row}")
    assert row["task_id"] == "weather-bergen-thursday"
    assert row["score"] in (0.0, 1.0) and 1 <= row["steps"] <= 4
    assert row["end_reason"] in ("finish", "step_limit")
    events = [
        json.loads(line)
        for line in (tmp_path / "trajectories/weather-bergen-thursday.jsonl").open()
    ]
    start = next(e for e in events if e["event"] == "start")
    assert "Northwind Weather" in start["instruction"] and "[1] link" in start["instruction"]
    end = next(e for e in events if e["event"] == "end")
    assert end["evaluation"]["answers"] == ["11", "11 °C", "11°C"]
    assert table.loc["all", "tasks"] == 1


def test_judge_verdict_from_the_local_model(local_cfg, tmp_path):
    """The judge's schema-constrained verdict comes back parseable from llama.cpp."""
    with LLMSession(ModelSettings.of(local_cfg), tmp_path) as llms:
        verdict = Judge(llms.client("judge"))(
            task="What is the price of the book 'The Quiet Orbit'?",
            website="https://books.example/",
            answer="$14.50",
            reference="$14.50",
            reference_type="golden",
            page="URL: https://books.example/quiet-orbit\nTitle: The Quiet Orbit\n\nPrice $14.50",
        )
        calls = llms.ledger.summary()["judge"]["calls"]
    print(f"\nlocal judge verdict: {verdict}")
    assert verdict.error is None and verdict.reasoning
    assert isinstance(verdict.success, bool) and calls == 1
