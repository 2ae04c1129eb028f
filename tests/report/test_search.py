"""Optimizers side by side: each one's search (rollouts spent, candidates' scores, the
best so far) in one table and one figure, read from their optimizer reports."""

from __future__ import annotations

import pandas as pd

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.report.build import write_search
from acon.run_folder import RunFolder
from tests.support import optimize_composed, optimizer_overrides


def test_each_method_s_search_is_one_curve(fake, tmp_path):
    for name, method in {"acon": ["optimizer.n_candidates=2"], "gepa": ["optimizer=gepa"]}.items():
        cfg = compose(optimizer_overrides(fake, tmp_path, *method))
        with LLMSession(ModelSettings.of(cfg), tmp_path / "runs" / name) as llms:
            optimize_composed(cfg, llms, RunFolder(tmp_path / "runs" / name))
    written = write_search([tmp_path / "runs"], tmp_path / "results")
    table = pd.read_csv(tmp_path / "results" / "optimizers" / "search.csv")
    assert set(table["optimizer"]) == {"acon (acon)", "gepa (gepa)"}
    for _, points in table.groupby("optimizer"):
        assert points["best_so_far"].is_monotonic_increasing
        assert points["rollouts"].is_monotonic_increasing
    assert (tmp_path / "results" / "optimizers" / "search.png").stat().st_size > 10_000
    assert len(written) == 2
    assert write_search([tmp_path / "nothing"], tmp_path / "results") == []
