"""The README's main job end to end on the facts benchmark, every role scripted
(tests/optimize/brain.py), at the quickstart's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd

from acon.guidelines import GuidelineRef
from acon.guidelines.store import resolve
from acon.llm.fake_server import FakeOpenAI
from tests.support.brain import KEEP, brain


def main_command(fake, tmp_path, *more):
    return [
        sys.executable,
        "-m",
        "acon.cli.main",
        "compression/history=guideline",
        "optimizer.n_tasks=4",
        "optimizer.selection_tasks=2",
        "optimizer.n_candidates=2",
        "optimizer.feedback_tasks=2",
        "optimizer.feedback_sample=2",
        "main.test_tasks=3",
        f"hydra.run.dir={tmp_path / 'run'}",
        f"llm.common.base_url={fake.base_url}",
        "llm.common.model=scripted",
        f"llm.cache.dir={tmp_path / 'responses'}",
        f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
        f"report.out={tmp_path / 'results'}",
        f"export.out={tmp_path / 'export'}",
        "agent.context.history_threshold_tokens=250",
        "env.filler_lines=4",
        "agent.max_steps=6",
        f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}",
        f"tracking.artifacts_dir={tmp_path / 'mlartifacts'}",
        *more,
    ]


def test_a_table_preset_adds_the_baselines_and_a_row_per_step(tmp_path):
    """The paper's Table 1 shape: baselines beside the start and Acon after UT and UT+CO;
    the Prompting baseline is the start, so it is one row, not two."""
    with FakeOpenAI(default=brain) as fake:
        cmd = main_command(
            fake, tmp_path, "main.baselines=[fifo,prompting]", "main.every_step=true"
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "run" / "optimize" / "optimizer_report.json").read_text())
    ut, co = (s["best_version"] for s in report["steps"])
    assert ut != co  # both steps improved (the scripted optimizer's proposals)
    table = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    assert list(table.index) == [
        "No compression",
        "History: FIFO",
        "History: Prompting",
        f"History: Acon (acon-opt v{ut})",
        f"History: Acon (acon-opt v{co})",
    ]


def test_an_unknown_baseline_stops_before_anything_runs(tmp_path):
    with FakeOpenAI(default=brain) as fake:
        cmd = main_command(fake, tmp_path, "main.baselines=[fifoo]")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
        assert not fake.requests
    assert proc.returncode == 2
    assert "compression/history=fifoo is not an option: use one of fifo," in proc.stdout


def test_a_rollout_task_count_is_refused_not_overwritten(tmp_path):
    """acon-main takes its tasks from optimizer.n_tasks and main.test_tasks: a
    rollout.limit would be replaced without a word, so it stops, naming them."""
    with FakeOpenAI(default=brain) as fake:
        proc = subprocess.run(
            main_command(fake, tmp_path, "rollout.limit=2"),
            capture_output=True,
            text=True,
            timeout=300,
            env=os.environ,
        )
        assert not fake.requests
    assert proc.returncode == 2
    assert "set those instead" in proc.stdout + proc.stderr
    assert "optimizer.n_tasks and main.test_tasks" in proc.stdout + proc.stderr


def test_main_job_optimizes_compares_reports_and_exports(tmp_path):
    with FakeOpenAI(default=brain) as fake:
        cmd = main_command(fake, tmp_path)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Where to look:" in proc.stdout and "mlflow ui --backend-store-uri" in proc.stdout
    assert "Downloading artifacts" not in proc.stderr  # MLflow's bars, one per table read
    table = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    # the test arms: no compression, the paper's starting point (its Prompting baseline)
    # and the optimized guideline, the only row called Acon
    report = json.loads((tmp_path / "run" / "optimize" / "optimizer_report.json").read_text())
    start = "History: Prompting"
    best = f"History: Acon (acon-opt v{report['best_version']})"  # the version it used
    assert set(table.index) == {"No compression", start, best}
    # the scripted compressor loses records unless told to keep them: the optimized
    # guideline must do at least as well as the starting one on the test split
    assert table.loc[best, "Score"] >= table.loc[start, "Score"]
    # each row names the guideline text it followed, read back from the tracking store
    texts = (tmp_path / "results" / "facts" / "guidelines.md").read_text()
    acon_part = texts.split(f"## {best}")[1]
    assert KEEP in acon_part and f"`acon-opt` v{report['best_version']}" in acon_part
    prompting = resolve("history", GuidelineRef()).text.strip()
    assert prompting in texts.split(f"## {start}")[1].split("## ")[0]
    # the last word: which tasks taught UT, then the paired comparisons in plain sentences
    verdict = (tmp_path / "results" / "facts" / "verdict.md").read_text()
    ut = report["steps"][0]
    assert ut["feedback_mode"] == "contrastive" and ut["feedback_tasks"]
    assert (
        f"Round 1, UT from v1: contrastive of {len(ut['task_set'])} task(s) "
        f"({', '.join(ut['task_set'])}); feedback from"
    ) in verdict
    assert f"## {best} on the test split" in verdict
    assert f"Against the start ({start}) (3 paired test tasks): score" in verdict
    assert "Against no compression (3 paired test tasks): score" in verdict
    assert verdict.strip().splitlines()[-1] in proc.stdout
    exported = list((tmp_path / "export").glob("history-acon-opt-v*[0-9].txt"))
    assert len(exported) == 1 and KEEP in exported[0].read_text()
    assert (tmp_path / "results" / "facts" / "context_per_step.png").stat().st_size > 10_000


def test_the_main_job_shows_its_search_with_the_edits_program(tmp_path):
    """Each step proposes two distinct rules, scores them beside their parent on the same
    tasks, and the verdict shows each candidate's rule, its score, the parent's, and what
    was kept."""
    kinds = "{records:'KEEP RECORDS: every Employee line',tone:'the tone of the replies'}"
    with FakeOpenAI(default=brain) as fake:
        cmd = main_command(
            fake,
            tmp_path,
            "optimizer.ut_proposal=edits",
            "optimizer.co_proposal=edits",
            f"+optimizer.rule_kinds={kinds}",
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "run" / "optimize" / "optimizer_report.json").read_text())
    ut, co = report["steps"]
    for step in (ut, co):
        changes = [c["change"] for c in step["candidates"]]
        assert len(changes) == len(set(changes)) == 2, changes
        assert step["parent"]["version"] == step["parent_version"]
    assert (
        ut["candidates"][0]["change"] == "- Keep KEEP RECORDS: every Employee line, word for word."
    )
    assert ut["improved"]  # the scripted compressor keeps the records under that rule
    verdict = (tmp_path / "results" / "facts" / "verdict.md").read_text()
    assert "(- Keep KEEP RECORDS: every Employee line, word for word.)" in verdict
    assert f"the parent v{ut['parent_version']} on the same tasks: score" in verdict
    assert f"kept v{ut['best_version']}" in verdict
    logs = "".join(p.read_text() for p in (tmp_path / "run").glob("*.log"))
    assert "UT decision on 2 task(s)" in logs and "CO decision on" in logs
