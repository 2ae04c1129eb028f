"""The guideline compressor as an OpenAI Agents SDK session, around the SDK's own
SQLiteSession: Responses items in, older turns summarized, call/output pairs kept whole."""

from __future__ import annotations

import asyncio
import json

from acon.export import load_compressor
from acon.export.openai_agents import AconSession

ITEMS = [
    {"role": "user", "content": "Find the invoice total."},
    {"type": "function_call", "call_id": "c1", "name": "search", "arguments": '{"q": "inv"}'},
    {"type": "function_call_output", "call_id": "c1", "output": "invoice 17: total 420 EUR " * 30},
    {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Two more lookups."}],
    },
    {"type": "function_call", "call_id": "c2", "name": "open", "arguments": "{}"},
    {"type": "function_call", "call_id": "c3", "name": "open", "arguments": '{"page": 2}'},
    {"type": "function_call_output", "call_id": "c2", "output": "opened"},
    {"type": "function_call_output", "call_id": "c3", "output": "page 2"},
]


def test_the_session_compacts_older_turns_and_stores_the_result(guidelines):
    from agents import SQLiteSession
    from agents.memory import Session

    from acon.llm.fake_server import FakeOpenAI

    reply = json.dumps({"reasoning": "r", "summary": "Invoice 17 total is 420 EUR."})
    with FakeOpenAI([reply]) as fake:
        compressor = load_compressor(
            "acon-opt", "best", guidelines_dir=guidelines, base_url=fake.base_url, model="m"
        )
        session = AconSession(SQLiteSession("user-1"), compressor)
        assert isinstance(session, Session)  # the SDK's runtime-checkable protocol

        async def run():
            await session.add_items(ITEMS)
            return await session.get_items(), await session.inner.get_items()

        items, stored = asyncio.run(run())
    assert fake.requests[0]["messages"][0]["content"] == "Keep ids and dates."
    assert "invoice 17: total 420 EUR" in fake.requests[0]["messages"][1]["content"]
    assert items[0] == ITEMS[0]
    assert items[1]["content"].endswith("Invoice 17 total is 420 EUR.")
    # the last turn (two parallel calls and both outputs) kept as the SDK stored it
    assert items[2:] == ITEMS[4:] and stored == items


def test_below_the_threshold_the_session_is_untouched(guidelines):
    from agents import SQLiteSession

    from acon.llm.fake_server import FakeOpenAI

    with FakeOpenAI() as fake:
        compressor = load_compressor(
            "acon-opt",
            "best",
            guidelines_dir=guidelines,
            base_url=fake.base_url,
            model="m",
            threshold_tokens=100_000,
        )
        session = AconSession(SQLiteSession("user-2"), compressor)

        async def run():
            await session.add_items(ITEMS)
            return await session.get_items(limit=2)

        assert asyncio.run(run()) == ITEMS[-2:]
    assert fake.requests == []
