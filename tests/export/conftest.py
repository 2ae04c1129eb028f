"""A guideline store with a history guideline (v2 the best, with lineage) and an
observation one."""

from __future__ import annotations

import pytest

from acon.guidelines import GuidelineStore, Lineage


@pytest.fixture
def guidelines(tmp_path):
    store = GuidelineStore(tmp_path / "guidelines")
    store.add("history", "acon-opt", "Keep ids.", Lineage(step="start"))
    g = store.add(
        "history",
        "acon-opt",
        "Keep ids and dates.",
        Lineage(parent=1, step="ut", round=1, score=0.8),
    )
    store.set_alias("history", "acon-opt", "best", g.version)
    store.add("observation", "obs", "Keep numbers.")
    return store.root
