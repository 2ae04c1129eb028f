"""The compressor a user drops into their own agent (acon.export.compressor)."""

from __future__ import annotations

import json

import pytest

from acon.export import load_compressor
from acon.llm.fake_server import FakeOpenAI

MESSAGES = [
    {"role": "system", "content": "You are an agent."},
    {"role": "user", "content": "Find the invoice total."},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "search", "arguments": '{"q": "invoice"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "invoice 17: total 420 EUR " * 30},
    {
        "role": "assistant",
        "content": "Let me open it.",
        "tool_calls": [
            {"id": "c2", "type": "function", "function": {"name": "open", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "c2", "content": "opened"},
]


def test_compressor_replaces_older_turns_and_keeps_the_last_one_verbatim(guidelines):
    reply = json.dumps({"reasoning": "r", "summary": "Invoice 17 total is 420 EUR."})
    with FakeOpenAI([reply]) as fake:
        compressor = load_compressor(
            "acon-opt", "best", guidelines_dir=guidelines, base_url=fake.base_url, model="m"
        )
        out = compressor.compress(MESSAGES)
    request = fake.requests[0]["messages"]
    assert request[0]["content"] == "Keep ids and dates."  # the guideline is the system prompt
    assert "invoice 17: total 420 EUR" in request[1]["content"]
    assert out[:2] == MESSAGES[:2]
    assert out[2]["content"].endswith("Invoice 17 total is 420 EUR.")
    assert out[3:] == MESSAGES[4:]  # the last turn, tool-call ids intact


def test_below_the_threshold_nothing_is_sent(guidelines):
    with FakeOpenAI() as fake:
        compressor = load_compressor(
            "acon-opt",
            1,
            guidelines_dir=guidelines,
            base_url=fake.base_url,
            model="m",
            threshold_tokens=100_000,
        )
        assert compressor.compress(MESSAGES) == MESSAGES
    assert fake.requests == []


def test_observation_compressor(guidelines):
    with FakeOpenAI([json.dumps({"reasoning": "r", "observation": "total: 420"})]) as fake:
        compressor = load_compressor(
            "obs",
            "latest",
            kind="observation",
            guidelines_dir=guidelines,
            base_url=fake.base_url,
            model="m",
        )
        assert compressor.compress_observation("a long page", "find the total") == "total: 420"
        with pytest.raises(TypeError):
            compressor.compress(MESSAGES)
