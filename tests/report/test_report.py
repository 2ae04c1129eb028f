"""Report tables and figures built from known rollouts, read from run folders and from
the MLflow tracking store."""

from __future__ import annotations

import json

import mlflow
import pandas as pd
import pytest

from acon.composition import compose
from acon.compression.labels import method_of
from acon.errors import AconError
from acon.report.build import collect, write_report
from acon.run_folder import RunFolder
from acon.tracking import log_rollout
from tests.report.test_labels import optimizer_store
from tests.support import tracking_overrides

ENV = {"_target_": "environments.facts.env.FactsEnv"}


def make_run(folder, history, rows):
    folder.mkdir(parents=True)
    cfg = {
        "env": ENV,
        "compression": {"history": {"strategy": history}, "observation": {"strategy": "none"}},
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
    return folder


def row(task_id, difficulty, score, peak, dependency, inputs, wait=0.0, compressor=(0, 0)):
    return {
        "task_id": task_id,
        "difficulty": difficulty,
        "score": score,
        "success": score == 1.0,
        "steps": len(inputs),
        "peak_tokens": peak,
        "peak_tokens_with_system": peak + 100,
        "dependency": dependency,
        "compressor_calls": 0,
        "compressor_failures": 0,
        "agent_cost_usd": 0.0,
        "compressor_cost_usd": 0.0,
        "compressor_in_tokens": compressor[0],
        "compressor_out_tokens": compressor[1],
        "agent_wait_s": wait,
        "inputs": inputs,
    }


def errored(task_id, difficulty, inputs):
    """An outage mid-task: no score, and the tokens it got to (not a result)."""
    return {
        **row(task_id, difficulty, None, 900, 0.0, inputs),
        "success": None,
        "status": "errored",
        "error": "Could not reach the agent endpoint",
        "error_kind": "connection",
    }


RUNS = {
    "a": (
        "none",
        [
            row("t1", "1", 1.0, 4000, 2e6, [1000, 2500, 4000]),
            row("t2", "2", 1.0, 6000, 4e6, [1000, 3500, 6000]),
        ],
    ),
    "b": (
        "guideline",
        [
            row("t1", "1", 1.0, 2000, 1e6, [1000, 2000, 1500], 3.0, (1500, 500)),
            row("t2", "2", 0.0, 3000, 1e6, [1000, 3000, 1800], 5.0, (2500, 500)),
            errored("t3", "2", [900]),
        ],
    ),
}


@pytest.fixture
def runs(tmp_path):
    for name, (history, rows) in RUNS.items():
        make_run(tmp_path / "runs" / name, history, rows)
    return tmp_path / "runs"


def check_tables(out, written):
    table = pd.read_csv(out / "facts" / "methods.csv", index_col=0)
    assert list(table.index) == ["No compression", "History: Prompting"]
    assert table.loc["No compression", "Peak (k)"] == pytest.approx(5.0)
    assert table.loc["History: Prompting", "Peak (k)"] == pytest.approx(2.5)
    assert table.loc["History: Prompting", "Peak with system (k)"] == pytest.approx(2.6)
    assert table.loc["History: Prompting", "Score"] == pytest.approx(0.5)
    assert table.loc["No compression", "Dependency (M)"] == pytest.approx(3.0)
    # the errored task is counted, and in no mean (a 0 would halve the peak and score)
    assert (
        table.loc["History: Prompting", "Tasks"] == 2
        and table.loc["History: Prompting", "Errored"] == 1
    )
    assert table.loc["No compression", "Errored"] == 0
    levels = pd.read_csv(out / "facts" / "levels.csv", index_col=0)
    assert levels.loc["History: Prompting", "Level 2 Score"] == 0.0
    assert levels.loc["No compression", "Level 1 Score"] == 1.0
    # Table 1 carries steps, peak and dependency per level too
    assert levels.loc["No compression", "Level 2 Peak (k)"] == pytest.approx(6.0)
    assert levels.loc["History: Prompting", "Level 1 Dependency (M)"] == pytest.approx(1.0)
    assert levels.loc["History: Prompting", "Level 2 Steps"] == 3
    assert list(levels.columns[:5]) == [
        "Level 1 Score",
        "Level 1 Score CI low",
        "Level 1 Score CI high",
        "Level 1 Steps",
        "Level 1 Peak (k)",
    ]
    # intervals over tasks: two tasks of 4k and 6k peak; one task only has no interval
    assert table.loc["No compression", "Peak (k) CI low"] == pytest.approx(4.0)
    assert table.loc["No compression", "Peak (k) CI high"] == pytest.approx(6.0)
    assert "| 5.000 [4.000, 6.000]" in (out / "facts" / "methods.md").read_text()
    # paired on the two tasks both finished: the guideline lost t2 and cut each task's peak
    # by 2k and 3k; neither is significant on 2 tasks (both down: exact p = 2 / 2^2 = 0.5)
    pairs = pd.read_csv(out / "facts" / "comparisons.csv", index_col=[0, 1])
    pair = pairs.loc[("History: Prompting", "No compression")]
    assert pair["Paired tasks"] == 2 and pair["Δ Score"] == pytest.approx(-0.5)
    assert not pair["Score differs"] and not pair["Peak differs"]
    assert pair["Peak p"] == pytest.approx(0.5) and pair["Peak p (Holm)"] == pytest.approx(0.5)
    assert pair["Δ Peak (k)"] == pytest.approx(-2.5)
    assert (pair["Only this succeeded"], pair["Only the other succeeded"]) == (0, 1)
    assert pair["McNemar p"] == 1.0
    # the costs: the compressor's tokens (prompt and completion) and the agent's wait for
    # its compressions, each with its interval over tasks
    guided = table.loc["History: Prompting"]
    assert guided["Compressor tokens (k)"] == pytest.approx(2.5)
    assert (
        guided["Agent wait (s)"],
        guided["Agent wait (s) CI low"],
        guided["Agent wait (s) CI high"],
    ) == pytest.approx((4.0, 3.0, 5.0))
    assert table.loc["No compression", "Agent wait (s)"] == 0.0
    pngs = [p for p in written if p.suffix == ".png"]
    assert {p.name for p in pngs} == {"score_vs_peak.png", "methods.png", "context_per_step.png"}
    assert all(p.stat().st_size > 10_000 for p in pngs)
    assert "| History: Prompting" in (out / "facts" / "methods.md").read_text()


def test_tables_from_run_folders(runs, tmp_path):
    cfg = compose(["report.source=folders", f"report.runs=[{runs}]"])
    rollouts = collect(cfg)
    assert sorted(rollouts.steps.groupby("run").size()) == [6, 7]
    check_tables(tmp_path / "results", write_report(rollouts, tmp_path / "results"))


def test_tables_from_the_tracking_store(runs, store, tmp_path):
    """Rollouts logged to MLflow come back with pandas: the same tables as from disk."""
    for name, (history, _) in RUNS.items():
        logged = compose([*tracking_overrides(store), f"compression/history={history}"])
        log_rollout(logged, RunFolder(runs / name))
    cfg = compose(tracking_overrides(store))
    before = (mlflow.is_tracking_uri_set(), mlflow.get_tracking_uri())
    rollouts = collect(cfg)
    # the store is read without leaving MLflow's process-wide URI changed
    assert (mlflow.is_tracking_uri_set(), mlflow.get_tracking_uri()) == before
    assert set(rollouts.tasks["run"]) == {str(runs / "a"), str(runs / "b")}
    assert sorted(rollouts.steps.groupby("run").size()) == [6, 7]
    check_tables(tmp_path / "results", write_report(rollouts, tmp_path / "results"))
    where = "report.where=\"tags.`acon.run_dir` LIKE '%/a'\""  # quoted for Hydra
    only_a = compose([*tracking_overrides(store), where])
    assert set(collect(only_a).tasks["method"]) == {"No compression"}
    assert set(collect(cfg, under=runs).tasks["run"]) == {str(runs / "a"), str(runs / "b")}
    with pytest.raises(AconError, match="No finished rollouts in the MLflow store"):
        collect(cfg, under=tmp_path / "elsewhere")
    with pytest.raises(AconError, match="could not search .*: fix report.where"):
        collect(compose([*tracking_overrides(store), "report.where=no_such_thing"]))


def test_a_benchmarks_named_measures_are_its_table_columns_only(runs, tmp_path):
    """QA's table shows EM and F1 beside the score (the paper's Table 2b); the facts
    benchmark, which has no such measures, gets no empty EM column."""
    qa = [
        {**row("q1", None, 0.5, 1000, 1e6, [500, 1000]), "measure:EM": 0.25, "measure:F1": 0.5},
        {**row("q2", None, 1.0, 1000, 1e6, [500, 1000]), "measure:EM": 0.75, "measure:F1": 1.0},
    ]
    qa_run = make_run(runs / "qa", "none", qa)
    config = json.loads((qa_run / "config.json").read_text())
    config["env"] = {"_target_": "environments.qa.env.QAEnv"}
    (qa_run / "config.json").write_text(json.dumps(config))
    cfg = compose(["report.source=folders", f"report.runs=[{runs}]"])
    write_report(collect(cfg), tmp_path / "results")
    table = pd.read_csv(tmp_path / "results" / "qa" / "methods.csv", index_col=0)
    assert list(table.columns[2:7]) == ["Score", "Score CI low", "Score CI high", "EM", "F1"]
    assert table.loc["No compression", "EM"] == pytest.approx(0.5)
    assert table.loc["No compression", "F1"] == pytest.approx(0.75)
    facts = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    assert "EM" not in facts.columns and "Score" in facts.columns


def test_scenario_goal_completion_beside_the_score(tmp_path):
    """AppWorld's second headline: the share of scenarios whose every task succeeded; a
    scenario with an errored task is left out (its completion is unknown)."""
    rows = [
        {**row("a_1", "1", 1.0, 1000, 1e6, [1000]), "scenario": "a"},
        {**row("a_2", "1", 0.0, 1000, 1e6, [1000]), "scenario": "a"},
        {**row("b_1", "2", 1.0, 1000, 1e6, [1000]), "scenario": "b"},
        {**errored("c_1", "2", [900]), "scenario": "c"},
        {**row("c_2", "2", 1.0, 1000, 1e6, [1000]), "scenario": "c"},
    ]
    make_run(tmp_path / "runs" / "appworld", "none", rows)
    cfg = compose(["report.source=folders", f"report.runs=[{tmp_path / 'runs'}]"])
    write_report(collect(cfg), tmp_path / "results")
    table = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    assert table.loc["No compression", "Scenario goal completion"] == pytest.approx(0.5)
    assert table.loc["No compression", "Score"] == pytest.approx(0.75)  # task goal completion


def test_rows_written_before_the_papers_peak_report_the_papers_peak(tmp_path):
    """A run folder from before ROWS_VERSION 2: `peak_tokens` included the system prompt
    and `peak_tokens_no_system` did not; its table shows the paper's peak all the same."""
    old = {**row("t1", None, 1.0, 4100, 1e6, [1000, 4100]), "peak_tokens_no_system": 4000}
    del old["peak_tokens_with_system"]
    make_run(tmp_path / "runs" / "old", "none", [old])
    cfg = compose(["report.source=folders", f"report.runs=[{tmp_path / 'runs'}]"])
    write_report(collect(cfg), tmp_path / "results")
    table = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    assert table.loc["No compression", "Peak (k)"] == pytest.approx(4.0)
    assert table.loc["No compression", "Peak with system (k)"] == pytest.approx(4.1)


def test_no_runs_and_bad_settings_are_one_clear_sentence(tmp_path):
    with pytest.raises(AconError, match="No finished rollouts under .*: run acon-rollout first"):
        collect(compose(["report.source=folders", f"report.runs=[{tmp_path}]"]))
    with pytest.raises(AconError, match="tracking is off: set tracking=local"):
        collect(compose(["tracking=off"]))
    with pytest.raises(AconError, match="report.source='mlflow' is not valid: use one of store"):
        compose(["report.source=mlflow"])


def test_method_labels(tmp_path):
    """ "Acon" names only a guideline an optimizer wrote (from a store) and changed, with
    its version (tests/report/test_labels.py has the unchanged case)."""
    assert method_of({}) == "No compression"
    store = optimizer_store(tmp_path / "guidelines")
    params = {
        "compression.history.strategy": "guideline",
        "compression.history.guideline.name": "acon-opt",
        "compression.history.guideline.dir": str(store),
        "compression.history.guideline.version": "2",
        "compression.observation.strategy": "llmlingua",
    }
    assert method_of(params) == "History: Acon (acon-opt v2) + Observation: LLMLingua"
    del params["compression.history.guideline.dir"]  # no store: a shipped guideline
    assert method_of(params).startswith("History: Guideline (acon-opt) +")
    params["compression.history.guideline.name"] = "sectioned"
    params["compression.history.guideline.dir"] = "null"  # shipped: never called Acon
    assert method_of(params).startswith("History: Guideline (sectioned) +")


def test_method_labels_from_the_strategy_classes(tmp_path):
    params = {
        "compression.history._target_": "acon.compression.fifo.Fifo",
        "compression.observation._target_": "null",
    }
    assert method_of(params) == "History: FIFO"
    params = {
        "compression.history._target_": "acon.compression.summary.GuidelineHistory",
        "compression.history.guideline.name": "acon-opt",
        "compression.history.guideline.version": "2",
        "compression.history.guideline.dir": str(optimizer_store(tmp_path / "guidelines")),
        "compression.observation._target_": "acon.compression.llmlingua.LinguaObservation",
    }
    assert method_of(params) == "History: Acon (acon-opt v2) + Observation: LLMLingua"
    cfg = compose(["compression/history=prompting", "compression/observation=guideline"])
    from acon.config import flatten, to_plain

    assert method_of(flatten(to_plain(cfg))) == "History: Prompting + Observation: Prompting"


def test_a_threshold_sweep_is_a_row_per_threshold_and_the_figure_6_plot(tmp_path):
    """The paper's Figure 6: the same method at several thresholds is not pooled; each
    threshold has its row, its score and how often compression fired per task."""
    fired = {1024: [4, 2], 4096: [1, 1]}  # history compressions per task at each threshold
    for threshold, counts in fired.items():
        rows = [
            row(f"t{i}", "1", 1.0 - 0.5 * i, 900, 1.0, [100, 200])
            | {"history_compressions": n, "observation_compressions": 0}
            for i, n in enumerate(counts)
        ]
        folder = make_run(tmp_path / "runs" / str(threshold), "guideline", rows)
        cfg = json.loads((folder / "config.json").read_text())
        cfg["agent"] = {"context": {"history_threshold_tokens": threshold}}
        (folder / "config.json").write_text(json.dumps(cfg))
    make_run(tmp_path / "runs" / "plain", "none", [row("t0", "1", 1.0, 2000, 2.0, [100])])
    cfg = compose(["report.source=folders", f"report.runs=[{tmp_path / 'runs'}]"])
    written = write_report(collect(cfg), tmp_path / "out")
    table = pd.read_csv(tmp_path / "out" / "facts" / "thresholds.csv", index_col=0)
    assert list(table["Threshold"]) == [1024, 4096]
    assert list(table["Compressions per task"]) == [3.0, 1.0]
    assert list(table["Score"]) == [0.75, 0.75] and set(table["Tasks"]) == {2}
    methods = pd.read_csv(tmp_path / "out" / "facts" / "methods.csv", index_col=0)
    assert list(methods.index) == [
        "No compression",
        "History: Prompting @ 1024",
        "History: Prompting @ 4096",
    ]
    assert (tmp_path / "out" / "facts" / "thresholds.png") in written


def test_a_background_compaction_is_its_own_row():
    params = {
        "compression.history._target_": "acon.compression.memento.Memento",
        "agent.context.background": "True",
    }
    assert method_of(params) == "History: Memento (background)"
    params["agent.context.background"] = "False"
    assert method_of(params) == "History: Memento"


def test_comparisons_call_significant_only_what_survives_holm():
    """Three methods on 6 tasks, each later one 1k lower in peak on every task than each
    earlier one: each pair's exact p is 2 / 2^6 = 0.031 (< 0.05 alone), but the table's 3
    comparisons make Holm's smallest adjusted p 3 x 0.031 = 0.094: nothing differs. The
    same two methods alone are one comparison: 0.031, they differ."""
    from acon.report.tables import comparison_table

    methods = {"No compression": 3.0, "History: FIFO": 2.0, "History: LLMLingua": 1.0}
    tasks = pd.DataFrame(
        [
            {
                "benchmark": "facts",
                "method": method,
                "task_id": f"t{i}",
                "score": 1.0,
                "success": True,
                "peak_tokens": 1000 * (peak + i),
                "peak_tokens_with_system": 0,
                "dependency": 0.0,
            }
            for method, peak in methods.items()
            for i in range(6)
        ]
    )
    table = comparison_table(tasks).xs("facts", level="benchmark")
    assert list(table.columns) == [
        "Paired tasks",
        "Δ Score",
        "Δ Score CI low",
        "Δ Score CI high",
        "Score p",
        "Score p (Holm)",
        "Score differs",
        "Δ Peak (k)",
        "Δ Peak (k) CI low",
        "Δ Peak (k) CI high",
        "Peak p",
        "Peak p (Holm)",
        "Peak differs",
        "Only this succeeded",
        "Only the other succeeded",
        "McNemar p",
        "McNemar p (Holm)",
        "Success differs",
    ]
    assert len(table) == 3
    assert table["Peak p"].tolist() == pytest.approx([2 / 64] * 3)
    assert table["Peak p (Holm)"].tolist() == pytest.approx([3 * 2 / 64] * 3)
    assert not table["Peak differs"].any()
    # the same scores everywhere: no difference, p = 1
    assert (table["Score p"] == 1.0).all() and not table["Score differs"].any()
    assert (table["McNemar p (Holm)"] == 1.0).all() and not table["Success differs"].any()
    alone = comparison_table(tasks[tasks["method"] != "History: LLMLingua"])
    assert alone["Peak p (Holm)"].tolist() == pytest.approx([2 / 64])
    assert alone["Peak differs"].tolist() == [True]
