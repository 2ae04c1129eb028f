from __future__ import annotations

import logging

import pytest

from acon.composition import compose
from acon.llm.pricing import PriceTable

TABLE = PriceTable(
    {
        "gpt-4.1": {"input": 2.0, "cached_input": 0.5, "output": 8.0},
        "gpt-4.1-mini": {"input": 0.4, "cached_input": 0.1, "output": 1.6},
        "o3": {"input": 2.0, "output": 8.0},
    }
)


def test_cost_splits_cached_and_uncached_prompt_tokens():
    # 10k prompt of which 4k cached, 1k completion, on gpt-4.1:
    # 6000 * 2.0 + 4000 * 0.5 + 1000 * 8.0 = 22000 micro-dollars
    assert TABLE.cost("gpt-4.1", 10_000, 4_000, 1_000) == pytest.approx(0.022)


def test_dated_snapshot_and_provider_prefix_match_the_longest_listed_name():
    assert TABLE.cost("gpt-4.1-mini-2025-04-14", 1_000_000, 0, 0) == pytest.approx(0.4)
    assert TABLE.cost("openai/gpt-4.1-2025-04-14", 1_000_000, 0, 0) == pytest.approx(2.0)


def test_missing_cached_price_falls_back_to_input_price():
    assert TABLE.cost("o3", 1_000_000, 1_000_000, 0) == pytest.approx(2.0)


def test_cached_tokens_above_prompt_are_clamped():
    assert TABLE.cost("gpt-4.1", 100, 500, 0) == pytest.approx(100 * 0.5 / 1e6)


def test_unknown_model_costs_zero_and_warns_once(caplog):
    table = PriceTable({})
    with caplog.at_level(logging.WARNING):
        assert table.cost("mystery-model", 1000, 0, 1000) == 0.0
        assert table.cost("mystery-model", 1000, 0, 1000) == 0.0
    assert sum("mystery-model" in r.getMessage() for r in caplog.records) == 1


def test_shipped_table_prices_the_paper_models_and_local_ones():
    table = PriceTable.from_config(compose().pricing)
    for model in ("gpt-4.1", "gpt-4.1-mini", "o3", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):
        assert table.price(model) is not None, model
    assert table.cost("qwen2.5-coder-1.5b", 10**6, 0, 10**6) == 0.0
    assert table.cost("gpt-4.1", 10**6, 0, 10**6) == pytest.approx(10.0)


def test_the_papers_price_preset():
    """pricing=paper: the per-million prices behind the paper's Table 4."""
    table = PriceTable.from_config(compose(["pricing=paper"]).pricing)
    assert table.cost("gpt-4.1", 10**6, 0, 10**6) == pytest.approx(3.0 + 12.0)
    assert table.cost("gpt-4.1-mini", 10**6, 0, 10**6) == pytest.approx(0.8 + 3.2)
    assert table.cost("Qwen/Qwen3-14B", 10**6, 0, 10**6) == pytest.approx(0.06 + 0.24)
    assert table.cost("gpt-4.1-2025-04-14", 10**6, 0, 0) == pytest.approx(3.0)  # a snapshot
