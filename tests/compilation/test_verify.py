"""The deterministic checks on hand-made pairs that should pass and fail, and the order and
short-circuit of the checks (LLM checks answered by a scripted endpoint)."""

from __future__ import annotations

import json

import pytest

from acon.compilation.config import VerifyConfig
from acon.compilation.records import QAPair, RecordTurn, Trajectory
from acon.compilation.verify import Verifier, non_adjacent, overlap, turns_exist

TRAJECTORY = Trajectory(
    source="audit:test",
    session="s1",
    turns=(
        RecordTurn(1, 'search_people(name="Ada") -> Ada Lovelace works in the Leeds office'),
        RecordTurn(2, "list_offices() -> Leeds, Oslo, Lima"),
        RecordTurn(3, 'get_office(city="Leeds") -> the Leeds office manager is Grace Hopper'),
        RecordTurn(4, "get_weather(city=Oslo) -> rain"),
        RecordTurn(5, 'get_budget(office="Leeds") -> budget 4,200 EUR for 2025'),
    ),
)


def pair(question, answer, turns):
    return QAPair(question, answer, turns)


@pytest.mark.parametrize(
    ("turns", "exists", "apart"),
    [
        ([1, 3], True, True),  # two turns, one between them
        ([1, 5], True, True),
        ([1, 2], True, False),  # adjacent
        ([3], True, False),  # one turn is not several
        ([3, 3], True, False),  # the same turn twice
        ([1, 9], False, True),  # turn 9 does not exist
        ([], False, False),
    ],
)
def test_cited_turns_exist_and_are_not_adjacent(turns, exists, apart):
    p = pair("Who manages Ada's office?", "Grace Hopper", turns)
    assert turns_exist(p, TRAJECTORY) is exists
    assert non_adjacent(p) is apart


def test_non_adjacency_uses_the_configured_gap():
    assert non_adjacent(pair("q", "a", [1, 3]), min_gap=2)
    assert not non_adjacent(pair("q", "a", [1, 3]), min_gap=3)
    assert non_adjacent(pair("q", "a", [1, 2, 4]), min_gap=3)  # 1 and 4


def test_the_overlap_check_reads_the_cited_turns_only():
    # "Grace Hopper" is in turn 3: cited, it supports; citing 1 and 5 instead, it does not
    assert overlap(pair("Who manages Ada's office?", "Grace Hopper", [1, 3]), TRAJECTORY) == (
        1.0,
        1.0,
    )
    recall, _ = overlap(pair("Who manages Ada's office?", "Grace Hopper", [1, 5]), TRAJECTORY)
    assert recall == 0.0
    # half the answer's content words found: "budget" (turn 5) but not "dollars"
    recall, _ = overlap(pair("What is Ada's office budget?", "budget dollars", [1, 5]), TRAJECTORY)
    assert recall == 0.5


def test_a_cited_turn_that_says_nothing_about_the_pair_is_not_evidence():
    # turn 4 (Oslo's weather) shares no word with the question or the answer
    _, relevant = overlap(pair("Who manages Ada's office?", "Grace Hopper", [1, 3, 4]), TRAJECTORY)
    assert relevant == pytest.approx(2 / 3)


def scripted(replies):
    """A client stand-in answering each DSPy call with the next JSON reply."""
    from acon.llm.client import LLMClient
    from acon.llm.config import RoleConfig
    from acon.llm.fake_server import FakeOpenAI
    from acon.llm.pricing import PriceTable
    from acon.llm.usage import UsageLedger

    fake = FakeOpenAI([json.dumps(r) for r in replies]).__enter__()
    client = LLMClient(
        "judge",
        RoleConfig(base_url=fake.base_url, model="scripted", provider="generic", max_retries=0),
        ledger=UsageLedger(),
        prices=PriceTable.from_config(None),
    )
    return fake, client


def test_checks_run_cheapest_first_and_stop_at_the_first_failure():
    fake, judge = scripted([])
    try:
        config = VerifyConfig(checks=["turns_exist", "non_adjacent", "overlap", "judge_support"])
        p = Verifier(config, judge, None).verify(pair("q?", "Grace Hopper", [1, 2]), TRAJECTORY)
        assert p.verdicts == {
            "turns_exist": True,
            "non_adjacent": False,
            "overlap": None,
            "judge_support": None,
        }
        assert not p.kept and fake.requests == []  # no model was asked
    finally:
        fake.__exit__(None, None, None)


def test_the_llm_checks_judge_on_the_cited_turns_and_each_turn_alone():
    # judge_support says yes; multi_turn: turn 1 alone gives "Leeds", turn 3 alone "Grace
    # Hopper" (the answer: one turn suffices, so the pair fails multi_turn)
    fake, judge = scripted([{"supported": True}, {"answer": "unknown"}, {"answer": "Grace Hopper"}])
    try:
        config = VerifyConfig(checks=["overlap", "judge_support", "multi_turn"])
        p = Verifier(config, judge, None).verify(
            pair("Who manages the office Ada works in?", "Grace Hopper", [1, 3]), TRAJECTORY
        )
        assert p.verdicts == {"overlap": True, "judge_support": True, "multi_turn": False}
        assert p.scores["single_turn_f1"] == 1.0
        shown = [r["messages"][-1]["content"] for r in fake.requests]
        assert "[turn 1]" in shown[0] and "[turn 3]" in shown[0] and "[turn 5]" not in shown[0]
        assert "[turn 1]" in shown[1] and "[turn 3]" not in shown[1]
        assert "[turn 3]" in shown[2] and "[turn 1]" not in shown[2]
    finally:
        fake.__exit__(None, None, None)


def test_a_judge_reply_that_does_not_parse_is_not_a_pass():
    fake, judge = scripted(["not json at all"])
    try:
        config = VerifyConfig(checks=["judge_support"])
        p = Verifier(config, judge, None).verify(pair("q?", "Grace Hopper", [1, 3]), TRAJECTORY)
        assert p.verdicts == {"judge_support": False}
    finally:
        fake.__exit__(None, None, None)
