"""The `edits` proposal program (issue: a 1.5B optimizer echoes a guideline and writes
task-specific lines): the model only picks a kind of information and a treatment from the
configured lists, the rule is rendered from that pick, so no word of the model's reaches the
guideline; each sample is offered the kinds the earlier ones left, so a step's candidates
are distinct."""

from __future__ import annotations

import re

import pytest

from acon.llm.client import LLMClient
from acon.llm.config import RoleConfig
from acon.llm.fake_server import FakeOpenAI
from acon.llm.pricing import PriceTable
from acon.llm.usage import UsageLedger
from acon.optimize.feedback import OptimizerLM
from acon.optimize.proposal import StepFailed, propose_rules
from acon.optimize.rules import HEADER, RULE_KINDS, Rule, rules_of, with_rule

START = "Summarize the history as a progress report."


def reply(**fields: str) -> str:
    body = "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items())
    return body + "[[ ## completed ## ]]"


def optimizer(fake):
    config = RoleConfig(base_url=fake.base_url, model="scripted", max_retries=0)
    client = LLMClient("optimizer", config, ledger=UsageLedger(), prices=PriceTable({}))
    return OptimizerLM(client)


def first_offered(body):
    """A model that picks the first kind and treatment offered, as a small one might."""
    system = body["messages"][0]["content"]
    pick = {
        name: re.search(rf"`{name}` \(Literal\[(.*?)\]\)", system).group(1).split(", ")[0]
        for name in ("kind", "treatment")
    }
    return reply(**{k: v.strip("'") for k, v in pick.items()})


def rendered_lines(kinds):
    return {Rule(k, h).render(kinds) for k in kinds for h in ("verbatim", "brief", "drop")}


def test_a_rule_is_set_per_kind_in_one_section_and_the_rest_is_kept():
    text = with_rule(START, Rule("answers", "verbatim"), RULE_KINDS)
    text = with_rule(text, Rule("errors", "brief"), RULE_KINDS)
    text = with_rule(text, Rule("answers", "brief"), RULE_KINDS)  # replaces, not adds
    assert text.startswith(START + "\n\n" + HEADER)
    assert rules_of(text, RULE_KINDS) == {
        "answers": Rule("answers", "brief"),
        "errors": Rule("errors", "brief"),
    }
    assert text.count("\n- ") == 2


def test_each_sample_picks_a_kind_the_earlier_ones_left_so_candidates_are_distinct():
    with FakeOpenAI(default=first_offered) as fake:
        texts = propose_rules(
            optimizer(fake),
            "ut",
            START,
            ["the summary lost the answer"],
            RULE_KINDS,
            n=3,
            sample_size=None,
            seed="s",
            temperature=0.7,
        )
        second = fake.requests[1]["messages"][0]["content"]
    assert len(texts) == len(set(texts)) == 3
    picked = [next(iter(rules_of(t, RULE_KINDS))) for t in texts]
    assert picked == ["answers", "ids", "numbers"]  # the list's order, each once
    assert "answers" not in re.search(r"`kind` \((.*?)\)", second)[1]  # not offered again


def test_no_word_of_the_model_reaches_the_guideline():
    """A reply that plants a training task's instance (the issue's "Keep the origin of the
    last name Wallace") is not a kind on the list: it is refused, not rendered."""
    planted = reply(kind="the origin of the last name Wallace", treatment="verbatim")
    with FakeOpenAI(default=lambda body: planted) as fake, pytest.raises(StepFailed):
        propose_rules(
            optimizer(fake),
            "ut",
            START,
            ["feedback"],
            RULE_KINDS,
            n=2,
            sample_size=None,
            seed="s",
            temperature=0.7,
        )
    with FakeOpenAI(default=first_offered) as fake:
        texts = propose_rules(
            optimizer(fake),
            "co",
            START,
            ["used"],
            RULE_KINDS,
            n=7,
            sample_size=None,
            seed="s",
            temperature=0.7,
        )
    assert len(texts) == 7
    allowed = rendered_lines(RULE_KINDS)
    for text in texts:
        added = text.removeprefix(START).strip().split("\n")
        assert added[0] == HEADER and set(added[1:]) <= allowed


def test_the_kinds_are_the_configured_ones():
    kinds = {"records": "KEEP RECORDS: every Employee line", "tone": "the agent's tone"}
    with FakeOpenAI(default=first_offered) as fake:
        texts = propose_rules(
            optimizer(fake),
            "ut",
            START,
            ["f"],
            kinds,
            n=5,
            sample_size=None,
            seed="s",
            temperature=0.7,
        )
    assert len(texts) == 2  # two kinds, then nothing is left to propose
    assert texts[0].endswith("- Keep KEEP RECORDS: every Employee line, word for word.")
