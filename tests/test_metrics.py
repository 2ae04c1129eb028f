"""The paper's metrics on a trajectory whose numbers are worked out by hand."""

from __future__ import annotations

import pytest

from acon.metrics import dependency, summarize, task_metrics
from acon.trajectory import AgentStep, CompressorCall, Failure, TaskRecord


def record(task_id="t1", difficulty="1", score=1.0):
    steps = [
        AgentStep(
            1,
            in_tokens=1000,
            system_tokens=200,
            out_tokens=50,
            provider_in=1100,
            cost_usd=0.01,
            latency_s=1.5,
        ),
        AgentStep(
            2,
            in_tokens=1500,
            system_tokens=200,
            out_tokens=100,
            provider_in=1650,
            cost_usd=0.02,
            latency_s=2.0,
        ),
        AgentStep(
            3,
            in_tokens=900,
            system_tokens=200,
            out_tokens=20,
            provider_in=990,
            cost_usd=0.005,
            latency_s=0.5,
        ),
    ]
    compressions = [
        CompressorCall(
            "history",
            2,
            "guideline",
            True,
            1400,
            600,
            provider_in=1500,
            provider_out=120,
            cost_usd=0.003,
            latency_s=0.75,
        ),
        CompressorCall("observation", 3, "guideline", False, 900, 900, error="bad"),
    ]
    return TaskRecord(
        task_id,
        difficulty,
        steps,
        compressions,
        score=score,
        success=score == 1.0,
        end_reason="finish",
    )


def test_task_metrics_by_hand():
    m = task_metrics(record())
    assert m["steps"] == 3
    # the paper's peak (Appendix B.2) leaves the system prompt out; with it is a second column
    assert m["peak_tokens"] == 1300
    assert m["peak_tokens_with_system"] == 1500
    assert m["peak_tokens_provider"] == 1650
    # (800 + 100) * 50 / 2 + (1300 + 200) * 100 / 2 + (700 + 40) * 20 / 2
    assert m["dependency"] == 22_500 + 75_000 + 7_400
    assert m["agent_cost_usd"] == pytest.approx(0.035)
    # Table 4's latency: the time spent waiting on each role's model
    assert m["agent_latency_s"] == pytest.approx(1.5 + 2.0 + 0.5)
    assert m["compressor_latency_s"] == pytest.approx(0.75)
    assert m["compressor_cost_usd"] == pytest.approx(0.003)
    assert (m["compressor_calls"], m["compressor_failures"]) == (2, 1)
    assert (m["history_compressions"], m["observation_compressions"]) == (1, 0)


def test_dependency_of_nothing_is_zero():
    assert dependency([]) == 0
    assert task_metrics(TaskRecord("empty"))["peak_tokens"] == 0


def test_summary_means_overall_and_per_difficulty_in_paper_units():
    rows = [task_metrics(record("a", "1", 1.0)), task_metrics(record("b", "2", 0.0))]
    rows[1]["peak_tokens"] = 3300
    table = summarize(rows)
    assert list(table.index) == ["all", "level 1", "level 2"]
    assert table.loc["all", "tasks"] == 2
    assert table.loc["all", "score"] == 0.5 and table.loc["all", "success"] == 0.5
    assert table.loc["all", "peak_tokens_k"] == pytest.approx(2.3)  # (1300 + 3300) / 2 / 1000
    assert table.loc["level 2", "peak_tokens_k"] == pytest.approx(3.3)
    assert table.loc["all", "peak_tokens_with_system_k"] == pytest.approx(1.5)
    assert table.loc["all", "dependency_m"] == pytest.approx(0.1049)


def test_summary_without_levels_has_only_the_all_row():
    rows = [task_metrics(record("a", None))]
    assert list(summarize(rows).index) == ["all"]
    assert summarize([]).empty


def test_a_benchmarks_named_measures_become_columns_and_summary_means():
    """QA's Table 2b reports EM beside F1: an environment's named measures are columns of
    the results and of the summary, and an errored task has none."""
    done = record("a", None, 0.5)
    done.measures = {"EM": 0.25, "F1": 0.5}
    cut = record("b", None, 0.0)
    cut.measures = {"EM": 0.0, "F1": 0.0}
    cut.failure = Failure(stage="agent", kind="connection", message="down")
    rows = [task_metrics(done), task_metrics(cut)]
    assert (rows[0]["measure:EM"], rows[0]["measure:F1"]) == (0.25, 0.5)
    assert rows[1]["measure:EM"] is None
    table = summarize(rows)
    assert table.loc["all", "measure:EM"] == 0.25 and table.loc["all", "errored"] == 1
