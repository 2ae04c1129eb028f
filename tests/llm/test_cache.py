from __future__ import annotations

import pytest

from acon.llm.cache import ResponseCache, cache_key
from acon.llm.client import LLMCallError
from acon.llm.fake_server import FakeOpenAI
from acon.llm.usage import UsageLedger

MSGS = [{"role": "user", "content": "hi"}]
PARAMS = {"temperature": 0.0, "max_tokens": 10}


def test_key_is_stable_and_ignores_param_order_and_trailing_slash():
    a = cache_key("http://x/v1", "m", MSGS, {"temperature": 0.0, "max_tokens": 10}, 0)
    b = cache_key("http://x/v1/", "m", MSGS, {"max_tokens": 10, "temperature": 0.0}, 0)
    assert a == b and len(a) == 64


def test_key_changes_with_every_input_that_changes_an_answer():
    base = cache_key("http://x/v1", "m", MSGS, PARAMS, 0)
    variants = [
        cache_key("http://y/v1", "m", MSGS, PARAMS, 0),
        cache_key("http://x/v1", "m2", MSGS, PARAMS, 0),
        cache_key("http://x/v1", "m", [{"role": "user", "content": "ho"}], PARAMS, 0),
        cache_key("http://x/v1", "m", MSGS, {**PARAMS, "temperature": 0.7}, 0),
        cache_key("http://x/v1", "m", MSGS, {**PARAMS, "response_format": {"type": "json"}}, 0),
        cache_key("http://x/v1", "m", MSGS, PARAMS, 1),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_second_identical_call_is_served_from_disk_without_a_request(tmp_path, make_client):
    cache = ResponseCache(tmp_path / "cache")
    ledger = UsageLedger()
    with FakeOpenAI(["first", "second"]) as fake:
        client = make_client(fake, cache=cache, ledger=ledger)
        one = client.chat(MSGS)
        two = client.chat(MSGS)
        assert len(fake.requests) == 1
    assert (one.text, one.cache_hit) == ("first", False)
    assert (two.text, two.cache_hit) == ("first", True)
    assert two.usage == one.usage  # same numbers on a warm cache
    usage = ledger.by_role()["agent"]
    assert (usage.calls, usage.cache_hits) == (2, 1)
    assert usage.spent_usd == usage.cost_usd / 2 > 0  # the cached call cost nothing


def test_a_local_server_on_a_new_port_still_hits_the_cache(tmp_path):
    """The key uses the configured `local://` endpoint, not the port the server got."""
    from acon.llm.client import LLMClient
    from acon.llm.config import RoleConfig
    from acon.llm.pricing import PriceTable

    config = RoleConfig(base_url="local://tiny", model="tiny")
    replies = []
    for text in ("from the first server", "from the second server"):
        with FakeOpenAI([text]) as fake:
            client = LLMClient(
                "agent",
                config,
                ledger=UsageLedger(),
                prices=PriceTable({}),
                cache=ResponseCache(tmp_path / "c"),
                base_url=fake.base_url,
            )
            replies.append(client.chat(MSGS))
    assert [r.text for r in replies] == ["from the first server"] * 2
    assert replies[1].cache_hit


def test_sample_indices_are_separate_entries_with_their_own_seeds(tmp_path, make_client):
    with FakeOpenAI(default=lambda body: f"seed {body['seed']}") as fake:
        client = make_client(fake, cache=ResponseCache(tmp_path / "c"), temperature=0.8)
        texts = [client.chat(MSGS, sample=i).text for i in range(3)]
        again = [client.chat(MSGS, sample=i).text for i in range(3)]
        assert len(fake.requests) == 3
    assert texts == ["seed 42", "seed 43", "seed 44"] == again


def test_failed_calls_are_not_cached(tmp_path, make_client):
    with FakeOpenAI([400, "fine"]) as fake:
        client = make_client(fake, cache=ResponseCache(tmp_path / "c"))
        with pytest.raises(LLMCallError):
            client.chat(MSGS)
        assert client.chat(MSGS).text == "fine"
        assert len(fake.requests) == 2
