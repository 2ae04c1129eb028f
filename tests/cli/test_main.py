"""The README's main job end to end on the facts benchmark, every role scripted
(tests/optimize/brain.py), at the quickstart's size."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

from acon.llm.fake_server import FakeOpenAI
from tests.support.brain import KEEP, brain


def test_main_job_optimizes_compares_reports_and_exports(tmp_path):
    with FakeOpenAI(default=brain) as fake:
        cmd = [sys.executable, "-m", "acon.cli.main", "compression/history=guideline",
               "optimizer.n_tasks=4", "optimizer.selection_tasks=2", "optimizer.n_candidates=2",
               "optimizer.feedback_tasks=2", "optimizer.feedback_sample=2", "main.test_tasks=3",
               f"hydra.run.dir={tmp_path / 'run'}", f"llm.common.base_url={fake.base_url}",
               "llm.common.model=scripted", f"llm.cache.dir={tmp_path / 'responses'}",
               f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
               f"report.out={tmp_path / 'results'}", f"export.out={tmp_path / 'export'}",
               "agent.context.history_threshold_tokens=250", "env.filler_lines=4",
               "agent.max_steps=6", f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}",
               f"tracking.artifacts_dir={tmp_path / 'mlartifacts'}"]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Where to look:" in proc.stdout and "mlflow ui --backend-store-uri" in proc.stdout
    table = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    # the test arms: no compression, the paper's starting point (the naive prompt) and
    # the optimized guideline, the only row called Acon
    start, best = "History: Guideline (naive)", "History: Acon (acon-opt best)"
    assert set(table.index) == {"No compression", start, best}
    # the scripted compressor loses records unless told to keep them: the optimized
    # guideline must do at least as well as the starting one on the test split
    assert table.loc[best, "Score"] >= table.loc[start, "Score"]
    exported = list((tmp_path / "export").glob("history-acon-opt-v*.txt"))
    assert len(exported) == 1 and KEEP in exported[0].read_text()
    assert (tmp_path / "results" / "facts" / "context_per_step.png").stat().st_size > 10_000
