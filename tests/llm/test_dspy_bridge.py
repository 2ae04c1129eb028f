from __future__ import annotations

import dspy

from acon.llm.cache import ResponseCache
from acon.llm.dspy_bridge import dspy_lm
from acon.llm.fake_server import FakeOpenAI
from acon.llm.usage import UsageLedger


class Capital(dspy.Signature):
    """Name the capital."""

    country: str = dspy.InputField()
    capital: str = dspy.OutputField()


REPLY = "[[ ## capital ## ]]\nTokyo\n\n[[ ## completed ## ]]"


def test_dspy_programs_are_counted_and_cached_by_the_layer(tmp_path, make_client):
    ledger = UsageLedger()
    with FakeOpenAI(default=REPLY) as fake:
        client = make_client(
            fake, ledger=ledger, role="optimizer", cache=ResponseCache(tmp_path / "c")
        )
        with dspy.context(lm=dspy_lm(client)):
            first = dspy.Predict(Capital)(country="Japan")
            second = dspy.Predict(Capital)(country="Japan")
        assert len(fake.requests) == 1  # the second answer came from our cache
    assert first.capital == second.capital == "Tokyo"
    usage = ledger.by_role()["optimizer"]
    assert (usage.calls, usage.cache_hits) == (2, 1)
    assert usage.prompt_tokens == 24 and usage.prompt_tokens_cl100k > 0
    assert "Japan" in fake.requests[0]["messages"][-1]["content"]


def test_samples_through_dspy_are_distinct_requests(make_client):
    with FakeOpenAI(default=REPLY) as fake:
        client = make_client(fake, temperature=1.0)
        for i in range(3):
            with dspy.context(lm=dspy_lm(client, sample=i)):
                dspy.Predict(Capital)(country="Japan")
    assert [r["seed"] for r in fake.requests] == [42, 43, 44]
