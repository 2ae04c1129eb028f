"""Every committed number can be re-derived (DESIGN.md, Trust): a report writes the
per-task rows behind its tables, and `acon-report report.source=rows` rebuilds every table
from them, identical to the committed one."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from acon.composition import compose
from acon.errors import AconError
from acon.report.build import collect, rederive, write_report
from tests.report.test_report import RUNS, make_run

RESULTS = Path(__file__).resolve().parents[2] / "results"
TABLES = ("methods", "levels", "comparisons", "thresholds")
# Tables committed before reports wrote their rows (the run folders are gone): they cannot
# be re-derived and say so in their README; rerunning their commands replaces them.
WITHOUT_ROWS = {"head_to_head/facts", "head_to_head/qa", "offline/qa"}


def tables_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.stem in TABLES)


def test_a_report_writes_its_rows_and_they_rebuild_every_table(tmp_path):
    for name, (history, rows) in RUNS.items():
        make_run(tmp_path / "runs" / name, history, rows)
    cfg = compose(["report.source=folders", f"report.runs=[{tmp_path / 'runs'}]"])
    write_report(collect(cfg), tmp_path / "results" / "set")
    rows = pd.read_csv(tmp_path / "results" / "set" / "facts" / "rows.csv")
    for column in (
        "task_id",
        "method",
        "seed",
        "score",
        "success",
        "steps",
        "peak_tokens",
        "dependency",
        "status",
    ):
        assert column in rows
    assert len(rows) == 5  # every task, the errored one too (it counts as Errored)
    written = rederive([tmp_path / "results"], tmp_path / "again")
    original, again = tmp_path / "results" / "set" / "facts", tmp_path / "again" / "set" / "facts"
    assert tables_in(again) == tables_in(original) != []
    for name in tables_in(original):
        assert filecmp.cmp(original / name, again / name, shallow=False), name
    assert not (again / "rows.csv").exists() and again / "methods.md" in written


def test_the_rows_command_needs_rows(tmp_path):
    with pytest.raises(AconError, match="No rows.csv under"):
        rederive([tmp_path])


def test_every_committed_table_is_rederived_from_its_rows(tmp_path):
    """The command the results README gives, run on the committed results, rebuilds each
    table byte for byte."""
    folders = {p.parent for p in RESULTS.rglob("methods.md")}
    with_rows = {f for f in folders if (f / "rows.csv").exists()}
    missing = {str(f.relative_to(RESULTS)) for f in folders - with_rows}
    assert missing <= WITHOUT_ROWS, f"tables without their rows: {sorted(missing)}"
    if not with_rows:
        pytest.skip("no committed table has rows yet")
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.report",
        "report.source=rows",
        f"report.runs=[{RESULTS}]",
        f"report.out={tmp_path}",
        "tracking=off",
        f"hydra.run.dir={tmp_path / 'run'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for folder in with_rows:
        again = tmp_path / folder.relative_to(RESULTS)
        for name in tables_in(folder):
            assert filecmp.cmp(folder / name, again / name, shallow=False), folder / name
