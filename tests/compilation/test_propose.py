"""The compiler's proposals through a stand-in that enforces the OpenAI API's rules: a
strict schema-constrained request, malformed pairs dropped and counted one by one, the
limit of pairs per trajectory, and the proposal's cost shared by its pairs."""

from __future__ import annotations

import json

import pytest

from acon.compilation.propose import propose
from acon.compilation.records import RecordTurn, Trajectory
from acon.llm.client import LLMCallError, LLMClient
from acon.llm.config import RoleConfig
from acon.llm.fake_server import FakeOpenAI
from acon.llm.pricing import PriceTable
from acon.llm.usage import UsageLedger

TRAJECTORY = Trajectory(
    "audit:x", "s", tuple(RecordTurn(i, f"turn {i} text") for i in range(1, 6)), task="find things"
)


def client(fake):
    prices = PriceTable.from_config({"models": {"gpt-4.1-mini": {"input": 0.4, "output": 1.6}}})
    config = RoleConfig(
        base_url=fake.base_url, model="gpt-4.1-mini", provider="openai", max_retries=0
    )
    return LLMClient("compiler", config, ledger=UsageLedger(), prices=prices)


def pair(q, a="x", turns=(1, 3)):
    return {"question": q, "answer": a, "supporting_turns": list(turns)}


def test_the_request_is_strict_and_well_formed_pairs_come_back():
    reply = {"pairs": [pair("q1?", turns=(3, 1, 3)), pair("q2?", "y", (2, 5))]}
    with FakeOpenAI([json.dumps(reply)], rules="openai") as fake:
        out = propose(client(fake), TRAJECTORY)
    assert fake.rejected == []
    request = fake.requests[0]
    assert request["response_format"]["json_schema"]["strict"] is True
    assert "[turn 1]\nturn 1 text" in request["messages"][-1]["content"]
    assert [(p.question, p.supporting_turns) for p in out.pairs] == [
        ("q1?", [1, 3]),
        ("q2?", [2, 5]),
    ]
    assert out.cost_usd > 0
    assert sum(p.cost_usd for p in out.pairs) == pytest.approx(out.cost_usd)


def test_malformed_pairs_are_dropped_and_counted_one_by_one():
    # DSPy refuses the whole reply (one item lacks its turns); each item is read again
    reply = {
        "pairs": [
            pair("good?"),
            {"question": "no turns?", "answer": "x"},
            pair("", "x"),
            pair("no evidence?", turns=()),
            pair("good?"),
            pair("also good?", "z", (2, 4)),
        ]
    }
    with FakeOpenAI([json.dumps(reply)]) as fake:
        out = propose(client(fake), TRAJECTORY)
    assert [p.question for p in out.pairs] == ["good?", "also good?"]
    assert out.dropped == {"malformed": 3, "duplicate": 1}


def test_more_than_the_limit_is_dropped_and_a_reply_that_is_not_json_counts():
    reply = {"pairs": [pair(f"q{i}?") for i in range(7)]}
    with FakeOpenAI([json.dumps(reply), "I cannot do that."]) as fake:
        out = propose(client(fake), TRAJECTORY, max_pairs=5)
        assert len(out.pairs) == 5 and out.dropped == {"over_limit": 2}
        refused = propose(client(fake), TRAJECTORY)
    assert refused.pairs == [] and refused.dropped == {"unparsable_reply": 1}


def test_an_endpoint_that_fails_raises_instead_of_proposing_nothing():
    with FakeOpenAI([500, 500, 500]) as fake, pytest.raises(LLMCallError):
        propose(client(fake), TRAJECTORY)


def test_given_evidence_draws_non_adjacent_turn_pairs_the_same_way_each_time():
    from acon.compilation.propose import evidence_pairs

    drawn = evidence_pairs(TRAJECTORY, 5, min_gap=2)
    assert len(set(drawn)) == 5 and all(b - a >= 2 for a, b in drawn)
    assert drawn == evidence_pairs(TRAJECTORY, 5, min_gap=2)  # seeded by the trajectory
    longer = Trajectory("audit:x", "s", tuple(RecordTurn(i, "t") for i in range(1, 11)))
    assert evidence_pairs(longer, 5, 2) != evidence_pairs(longer, 5, 2, sample=1)
    # five turns have six pairs two or more apart: (1,3) (1,4) (1,5) (2,4) (2,5) (3,5)
    assert len(evidence_pairs(TRAJECTORY, 50, min_gap=2)) == 6
    assert evidence_pairs(TRAJECTORY, 5, min_gap=5) == []


def test_given_evidence_asks_one_question_per_pair_and_cites_it():
    from acon.compilation.propose import evidence_pairs, propose_across

    replies = [
        json.dumps({"question": "q1?", "answer": "a"}),
        "not json",
        json.dumps({"question": "q1?", "answer": "a"}),
    ]
    with FakeOpenAI(replies, rules="openai") as fake:
        out = propose_across(client(fake), TRAJECTORY, max_pairs=3, min_gap=2)
    drawn = evidence_pairs(TRAJECTORY, 3, min_gap=2)
    assert [p.supporting_turns for p in out.pairs] == [list(drawn[0])]
    assert out.dropped == {"unparsable_reply": 1, "duplicate": 1}
    asked = [r["messages"][-1]["content"] for r in fake.requests]
    for (first, second), prompt in zip(drawn, asked, strict=True):
        assert f"[[ ## first_turn ## ]]\n{first}" in prompt
        assert f"[[ ## second_turn ## ]]\n{second}" in prompt
    assert out.pairs[0].cost_usd > 0 and out.dropped_cost_usd > 0
