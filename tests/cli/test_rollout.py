"""`acon-rollout` with repeats: one rollout per seed, each sent its seed, pooled by the
report with intervals over tasks."""

from __future__ import annotations

import pandas as pd

from acon.cli.rollout import run
from acon.composition import compose
from acon.report.build import collect, write_report
from acon.run_folder import RunFolder
from tests.support import scripted_overrides


def test_seeds_repeat_every_task_once_per_seed(fake, tmp_path):
    cfg = compose(
        scripted_overrides(fake, tmp_path, "rollout.limit=2", "rollout.seeds=[7,8]", "tracking=off")
    )
    results = run(cfg, RunFolder(tmp_path / "run"))
    assert [len(r.rows) for r in results] == [2, 2]
    assert {
        RunFolder(tmp_path / "run" / f"seed-{s}").config()["llm"]["common"]["seed"] for s in (7, 8)
    } == {7, 8}
    assert {body.get("seed") for body in fake.requests} == {7, 8}  # each repeat sent its seed
    report = compose(["report.source=folders", f"report.runs=[{tmp_path / 'run'}]"])
    write_report(collect(report), tmp_path / "results")
    table = pd.read_csv(tmp_path / "results" / "facts" / "methods.csv", index_col=0)
    # 2 tasks x 2 seeds, in one row: Tasks counts distinct tasks, Seeds the repeats
    assert table.loc["No compression", ["Tasks", "Seeds"]].tolist() == [2, 2]
