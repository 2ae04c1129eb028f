"""Row labels (acon/compression/labels.py) against the paper's rows: its Prompting baseline is
the optimization's start (Section 4.1, baseline 5; Table 13's caption), and a row is
"Acon" only when the optimizer changed that text."""

from __future__ import annotations

from acon.composition import compose
from acon.compression.labels import method_of, table_order
from acon.config import flatten, to_plain
from acon.guidelines import GuidelineStore, Lineage

START = "You are a memory assistant. Keep the facts found so far."


def optimizer_store(root):
    """What an optimization writes: v1 the start's text (alias `baseline`), v2 a rewrite,
    v3 a candidate that came back with the start's text."""
    store = GuidelineStore(root)
    store.add("history", "acon-opt", START, Lineage(step="start", origin="prompting v1"))
    store.set_alias("history", "acon-opt", "baseline", 1)
    store.add("history", "acon-opt", START + "\nKeep every answer found so far.", Lineage(parent=1))
    store.add("history", "acon-opt", START, Lineage(parent=1))
    store.set_alias("history", "acon-opt", "best", 1)
    return root


def params(version, store):
    return {
        "compression.history._target_": "acon.compression.summary.GuidelineHistory",
        "compression.history.guideline.name": "acon-opt",
        "compression.history.guideline.version": version,
        "compression.history.guideline.dir": str(store),
    }


def test_the_start_and_the_prompting_baseline_are_one_row():
    for preset in (["compression/history=prompting"], ["compression/history=guideline"]):
        assert method_of(flatten(to_plain(compose(preset)))) == "History: Prompting"
    one_line = compose(
        ["compression/history=guideline", "compression.history.guideline.name=one_line"]
    )
    assert method_of(flatten(to_plain(one_line))) == "History: One-line prompt"


def test_acon_only_when_the_optimizer_changed_the_text(tmp_path):
    store = optimizer_store(tmp_path / "guidelines")
    assert method_of(params("2", store)) == "History: Acon (acon-opt v2)"
    unchanged = "History: Prompting (acon-opt {}, unchanged by the optimizer)"
    assert method_of(params("1", store)) == unchanged.format("v1")
    assert method_of(params("3", store)) == unchanged.format("v3")  # same text, new version
    assert method_of(params("best", store)) == unchanged.format("best")
    # a store that is gone cannot show a change: never "Acon" by guess
    gone = method_of(params("2", tmp_path / "elsewhere"))
    assert gone == "History: Guideline (acon-opt v2, store not found)"


def test_table_order_puts_the_start_with_prompting_and_acon_last(tmp_path):
    store = optimizer_store(tmp_path / "guidelines")
    rows = [method_of(params(v, store)) for v in ("2", "1")]
    rows += ["History: FIFO", "History: Prompting", "No compression"]
    assert sorted(rows, key=table_order) == [
        "No compression",
        "History: FIFO",
        "History: Prompting",
        "History: Prompting (acon-opt v1, unchanged by the optimizer)",
        "History: Acon (acon-opt v2)",
    ]


def test_llmlingua_names_its_scorer():
    """The paper's LLMLingua is LLMLingua-2 (an encoder-only model, Section 4.1); the
    offline stand-in scores with the local model's perplexity and says so."""
    target = "acon.compression.llmlingua.LinguaHistory"
    for scorer, label in (
        ("llmlingua2", "LLMLingua-2"),
        ("local_perplexity", "LLMLingua (local perplexity)"),
    ):
        params = {"compression.history._target_": target, "compression.history.scorer": scorer}
        assert method_of(params) == f"History: {label}"
