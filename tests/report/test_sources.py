"""Reports from run folders: a folder that cannot be read is named and skipped, rows of
different configs are never pooled into one method row, repeats over seeds are."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pandas as pd

from acon.composition import compose
from acon.report.build import collect, write_report
from tests.report.test_report import RUNS, make_run, row


def fingerprinted(folder, model, seed, threshold=4096):
    """A folder's fingerprint.json as acon.rollout.resume writes it (the reuse key's identity)."""
    identity = {
        "benchmark": "facts",
        "split": "test",
        "agent": {"max_steps": 20, "context": {"history_threshold_tokens": threshold}},
        "llm": {"agent": {"model": model, "seed": seed, "temperature": 0.0}},
    }
    record = {"key": f"{model}-{seed}-{threshold}", "identity": identity, "forced_over": []}
    (folder / "fingerprint.json").write_text(json.dumps(record))
    config = json.loads((folder / "config.json").read_text())
    config["llm"] = {"common": {"seed": seed}}
    (folder / "config.json").write_text(json.dumps(config))


def report(runs, out):
    return (
        pd.read_csv(out / "facts" / "methods.csv", index_col=0)
        if write_report(collect(compose(["report.source=folders", f"report.runs=[{runs}]"])), out)
        else None
    )


def test_a_folder_that_cannot_be_read_is_named_and_skipped(tmp_path, caplog):
    runs = tmp_path / "runs"
    for name, (history, rows) in RUNS.items():
        make_run(runs / name, history, rows)
    bad_config = make_run(runs / "bad_config", "none", RUNS["a"][1])
    (bad_config / "config.json").write_text("{not json")
    bad_yaml = make_run(runs / "bad_yaml", "none", RUNS["a"][1])
    (bad_yaml / ".hydra").mkdir()
    (bad_yaml / ".hydra" / "config.yaml").write_text("env: [unclosed\n")
    no_results = runs / "no_results"  # results.jsonl that is not a file
    (no_results / "results.jsonl").mkdir(parents=True)
    torn = make_run(runs / "torn", "fifo", RUNS["a"][1])  # its rows still count
    with (torn / "trajectories" / "t1.jsonl").open("a") as f:
        f.write('{"event": "agent_ca')
    with caplog.at_level(logging.WARNING, logger="acon"):
        table = report(runs, tmp_path / "out")
    assert list(table.index) == ["No compression", "History: FIFO", "History: Prompting"]
    assert table.loc["No compression", "Tasks"] == 2
    skipped = [r.getMessage() for r in caplog.records if "Skipped the run folder" in r.getMessage()]
    assert len(skipped) == 3
    for folder in (bad_config, bad_yaml, no_results):
        assert sum(str(folder) in m for m in skipped) == 1
    assert any(str(torn) in r.getMessage() and "context" in r.getMessage() for r in caplog.records)


def test_the_report_command_goes_on_past_a_bad_folder(tmp_path):
    runs = tmp_path / "runs"
    make_run(runs / "a", *RUNS["a"])
    (make_run(runs / "bad", *RUNS["b"]) / "config.json").write_text("{not json")
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.report",
        "report.source=folders",
        f"report.runs=[{runs}]",
        f"report.out={tmp_path / 'out'}",
        "tracking=off",
        f"hydra.run.dir={tmp_path / 'run'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert f"Skipped the run folder {runs / 'bad'}" in proc.stdout + proc.stderr
    assert (tmp_path / "out" / "facts" / "methods.csv").is_file()


def test_runs_of_different_configs_are_distinct_rows_and_seeds_are_pooled(tmp_path):
    """Three runs of "No compression": two seeds of gpt-4.1 (one config, repeated) and one
    of gpt-4.1-mini. The mini run is its own row, labelled with what differs; the seeds are
    one row whose Tasks counts tasks (not rows) and whose Seeds counts the seeds."""
    runs = tmp_path / "runs"
    tasks = [row(f"t{i}", "1", 1.0, 1000, 1e6, [1000]) for i in range(5)]
    for name, model, seed in (
        ("s1", "gpt-4.1", 1),
        ("s2", "gpt-4.1", 2),
        ("mini", "gpt-4.1-mini", 1),
    ):
        fingerprinted(make_run(runs / name, "none", tasks), model, seed)
    table = report(runs, tmp_path / "out")
    big, mini = (
        "No compression [llm.agent.model=gpt-4.1]",
        "No compression [llm.agent.model=gpt-4.1-mini]",
    )
    assert set(table.index) == {big, mini}
    assert table.loc[big, "Tasks"] == 5 and table.loc[big, "Seeds"] == 2
    assert table.loc[mini, "Tasks"] == 5 and table.loc[mini, "Seeds"] == 1
    rows = pd.read_csv(tmp_path / "out" / "facts" / "rows.csv")
    assert set(rows["method"]) == {big, mini}


def test_one_config_at_one_seed_keeps_its_plain_label_and_no_seeds_column(tmp_path):
    runs = tmp_path / "runs"
    for name, (history, rows) in RUNS.items():
        fingerprinted(make_run(runs / name, history, rows), "gpt-4.1", 42)
    table = report(runs, tmp_path / "out")
    assert list(table.index) == ["No compression", "History: Prompting"]
    assert "Seeds" not in table.columns


def test_uneven_repeats_are_no_difference(tmp_path):
    """No compression repeated over three seeds (peaks 100, 200, 300 on every task, whose
    mean in floating point is 0.2000...04k) against FIFO once at 200: the same peak on
    every task. The difference is 0 and never significant; the means are per task."""
    runs = tmp_path / "runs"
    for seed, peak in ((1, 100), (2, 200), (3, 300)):
        tasks = [row(f"t{i}", "1", 1.0, peak, 1e6, [peak]) for i in range(6)]
        fingerprinted(make_run(runs / f"none{seed}", "none", tasks), "gpt-4.1", seed)
    tasks = [row(f"t{i}", "1", 1.0, 200, 1e6, [200]) for i in range(6)]
    fingerprinted(make_run(runs / "fifo", "fifo", tasks), "gpt-4.1", 1)
    table = report(runs, tmp_path / "out")
    assert table.loc["No compression", "Tasks"] == 6 and table.loc["No compression", "Seeds"] == 3
    pairs = pd.read_csv(tmp_path / "out" / "facts" / "comparisons.csv", index_col=[0, 1])
    pair = pairs.loc[("History: FIFO", "No compression")]
    assert pair["Δ Peak (k)"] == 0.0
    assert pair["Peak p"] == 1.0 and not pair["Peak differs"]


def test_a_sweep_and_a_second_model_are_both_split(tmp_path):
    """Thresholds keep their `@` rows; a model that differs too adds its suffix."""
    runs = tmp_path / "runs"
    tasks = [
        row(f"t{i}", "1", 1.0, 900, 1.0, [100])
        | {"history_compressions": 1, "observation_compressions": 0}
        for i in range(2)
    ]
    for name, model, threshold in (("a", "m1", 1024), ("b", "m1", 4096), ("c", "m2", 4096)):
        folder = make_run(runs / name, "guideline", tasks)
        fingerprinted(folder, model, 1, threshold)
        cfg = json.loads((folder / "config.json").read_text())
        cfg["agent"] = {"context": {"history_threshold_tokens": threshold}}
        (folder / "config.json").write_text(json.dumps(cfg))
    table = report(runs, tmp_path / "out")
    assert list(table.index) == [
        "History: Prompting @ 1024",
        "History: Prompting @ 4096 [llm.agent.model=m1]",
        "History: Prompting @ 4096 [llm.agent.model=m2]",
    ]


def test_a_folder_that_mixes_configs_says_so(tmp_path):
    """A folder resumed with rollout.resume=force holds rows of two configs: its row says so."""
    runs = tmp_path / "runs"
    folder = make_run(runs / "a", *RUNS["a"])
    fingerprinted(folder, "gpt-4.1", 1)
    record = json.loads((folder / "fingerprint.json").read_text())
    record["forced_over"] = [{"key": "old", "changes": ["llm.agent.model: x -> gpt-4.1"]}]
    (folder / "fingerprint.json").write_text(json.dumps(record))
    table = report(runs, tmp_path / "out")
    assert list(table.index) == ["No compression [mixed configs]"]
