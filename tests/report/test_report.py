"""Report tables and figures built from rollout folders with known numbers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from acon.errors import AconError
from acon.report.build import build_report
from acon.report.collect import method_of

ENV = {"_target_": "environments.facts.FactsEnv"}


def make_run(folder, history, rows, observation="none"):
    folder.mkdir(parents=True)
    cfg = {
        "env": ENV,
        "compression": {"history": {"strategy": history}, "observation": {"strategy": observation}},
    }
    (folder / "config.json").write_text(json.dumps(cfg))
    with (folder / "results.jsonl").open("w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    (folder / "trajectories").mkdir()
    for row in rows:
        with (folder / "trajectories" / f"{row['task_id']}.jsonl").open("w") as f:
            for step, tokens in enumerate(row["inputs"], 1):
                event = {"event": "agent_call", "step": step, "in_tokens": tokens}
                f.write(json.dumps(event) + "\n")


def row(task_id, difficulty, score, peak, dependency, inputs):
    return {"task_id": task_id, "difficulty": difficulty, "score": score,
            "success": score == 1.0, "steps": len(inputs), "peak_tokens": peak,
            "dependency": dependency, "compressor_calls": 0, "agent_cost_usd": 0.0,
            "compressor_cost_usd": 0.0, "inputs": inputs}  # fmt: skip


@pytest.fixture
def runs(tmp_path):
    make_run(tmp_path / "runs" / "a", "none", [
        row("t1", "1", 1.0, 4000, 2e6, [1000, 2500, 4000]),
        row("t2", "2", 1.0, 6000, 4e6, [1000, 3500, 6000]),
    ])  # fmt: skip
    make_run(tmp_path / "runs" / "b", "guideline", [
        row("t1", "1", 1.0, 2000, 1e6, [1000, 2000, 1500]),
        row("t2", "2", 0.0, 3000, 1e6, [1000, 3000, 1800]),
    ])  # fmt: skip
    return tmp_path / "runs"


def test_method_table_from_known_runs(runs, tmp_path):
    written = build_report([runs], tmp_path / "results")
    table = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    assert list(table.index) == ["No compression", "History: Acon"]
    assert table.loc["No compression", "Peak (k)"] == pytest.approx(5.0)
    assert table.loc["History: Acon", "Peak (k)"] == pytest.approx(2.5)
    assert table.loc["History: Acon", "Score"] == pytest.approx(0.5)
    assert table.loc["No compression", "Dependency (M)"] == pytest.approx(3.0)
    assert table.loc["History: Acon", "Tasks"] == 2
    levels = pd.read_csv(tmp_path / "results" / "facts" / "levels.csv", index_col=0)
    assert levels.loc["History: Acon", "Level 2"] == 0.0
    assert levels.loc["No compression", "Level 1"] == 1.0
    pngs = [p for p in written if p.suffix == ".png"]
    assert len(pngs) == 2 and all(p.stat().st_size > 10_000 for p in pngs)
    assert "| History: Acon" in (tmp_path / "results" / "facts" / "methods.md").read_text()


def test_no_runs_is_one_clear_sentence(tmp_path):
    with pytest.raises(AconError, match="No finished rollouts under .*: run acon-rollout first"):
        build_report([tmp_path], tmp_path / "out")


def test_method_labels():
    assert method_of({}) == "No compression"
    cfg = {"compression": {"history": {"strategy": "guideline",
                                       "guideline": {"name": "acon-opt", "version": "best"}},
                           "observation": {"strategy": "llmlingua"}}}  # fmt: skip
    assert method_of(cfg) == "History: Acon (acon-opt vbest) + Observation: LLMLingua"
