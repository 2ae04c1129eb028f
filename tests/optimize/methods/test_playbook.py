"""The playbook method (ACE's incremental deltas with helpful/harmful counts): the curator
on scripted evidence, then the method end to end on the facts environment, every role
scripted (tests/support/brain.py), its output an ordinary guideline."""

from __future__ import annotations

import json

from acon.composition import compose
from acon.estimate.plan import estimate
from acon.guidelines import load_guideline
from acon.llm import LLMSession, ModelSettings
from acon.optimize.methods.playbook import Playbook
from acon.optimize.rules import HEADER, RULE_KINDS, Rule
from acon.run_folder import RunFolder
from tests.support import optimize_composed, optimizer_overrides

START = "Summarize the history."
KINDS = "{records:'KEEP RECORDS: every Employee line',tone:'the tone of the replies'}"


def test_the_curator_adds_a_delta_merges_a_duplicate_and_drops_a_rule_that_only_hurt():
    book = Playbook.of(START, RULE_KINDS)
    book, changed = book.merged([Rule("answers", "verbatim"), Rule("errors", "brief")])
    assert changed == [Rule("answers", "verbatim"), Rule("errors", "brief")]
    book.credit([Rule("answers", "verbatim")], helped=2, hurt=0)
    book.credit([Rule("errors", "brief")], helped=0, hurt=1)
    again, changed = book.merged([Rule("answers", "verbatim")])  # the same rule: merged
    assert changed == [] and again.counts() == book.counts()
    assert book.counts()["answers"] == {"treatment": "verbatim", "helpful": 2, "harmful": 0}
    assert book.prune() == [Rule("errors", "brief")]  # it only hurt
    assert list(book.counts()) == ["answers"]
    text = book.text()
    assert text.startswith(START) and text.endswith(Rule("answers", "verbatim").render(RULE_KINDS))
    assert Playbook.of(text, RULE_KINDS).entries.keys() == {"answers"}  # read back from text
    assert text.count(HEADER) == 1


def test_a_delta_that_changes_a_kinds_treatment_replaces_its_rule_with_fresh_counts():
    book, _ = Playbook.of(START, RULE_KINDS).merged([Rule("ids", "brief")])
    book.credit([Rule("ids", "brief")], helped=1, hurt=0)
    book, changed = book.merged([Rule("ids", "verbatim")])
    assert changed == [Rule("ids", "verbatim")]
    assert book.counts()["ids"] == {"treatment": "verbatim", "helpful": 0, "harmful": 0}


def test_the_playbook_finds_the_record_keeping_rule(fake, tmp_path):
    cfg = compose(
        optimizer_overrides(fake, tmp_path, "optimizer=playbook", f"+optimizer.rule_kinds={KINDS}")
    )
    with LLMSession(ModelSettings.of(cfg), tmp_path / "run") as llms:
        report = optimize_composed(cfg, llms, RunFolder(tmp_path / "run"))
    root = tmp_path / "run" / "guidelines"
    best = load_guideline("history", report.name, "best", root)
    assert report.method == "playbook" and best.version == report.best_version
    assert "- Keep KEEP RECORDS: every Employee line, word for word." in best.text.splitlines()
    counts = json.loads((tmp_path / "run" / "playbook.json").read_text())
    assert counts["records"]["helpful"] > 0 and counts["records"]["harmful"] == 0
    assert best.lineage.extra["playbook"] == counts
    step = next(s for s in report.steps if s.candidates)
    assert step.parent["score"] < step.candidates[0]["score"]
    assert report.spent["rollouts"] > 0
    assert estimate(cfg, "optimize").to_dict()["stages"]  # a dry run prices it


def test_a_rerun_replays_from_the_caches_and_reports_one_attempt(fake, tmp_path):
    cfg = compose(
        optimizer_overrides(fake, tmp_path, "optimizer=playbook", f"+optimizer.rule_kinds={KINDS}")
    )
    reports = []
    for _ in range(2):
        with LLMSession(ModelSettings.of(cfg), tmp_path / "run") as llms:
            reports.append(optimize_composed(cfg, llms, RunFolder(tmp_path / "run")))
            live = llms.ledger.total()
    first, again = reports
    assert len(again.steps) == len(first.steps)
    assert again.spent["rollouts"] == first.spent["rollouts"]
    assert live.calls == live.cache_hits  # the replay paid for nothing
