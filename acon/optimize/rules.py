"""Rules a guideline can carry, made from a choice instead of free text (`ut_proposal:
edits`, and the CO step's `co_proposal: edits`).

A rule says how the compressor treats one kind of information: keep it word for word,
keep it in brief, or leave it out once it is no longer needed. The kinds are a short,
documented list (`optimizer.rule_kinds`, overridable: name -> what it covers); the
optimizer model only picks a kind and a treatment from the feedback, and the rule's text is
rendered from that pick, so no task's instance (a name, an id, an answer) can enter the
guideline: the words come from the configured list, never from the model.

A guideline's rules live in one section at its end, one line each, rewritten as a whole
when a rule is set: the parent's other text is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of information a rule can name, each with the words its rule uses. General by
# construction: what an agent's context holds on any long task (the paper's own feedback
# names lost answers, ids, values and progress, Section 3.3).
RULE_KINDS = {
    "answers": "the answers and results found so far, each with what it answers",
    "ids": "ids, keys, file names and addresses the agent has seen or used",
    "numbers": "numbers, amounts and dates, with their units and what they refer to",
    "names": "the names of the people, places and things the task is about",
    "errors": "errors and failed actions, with what they showed",
    "progress": "the plan, the steps done and the step in progress",
    "raw_outputs": "the raw text of tool outputs and retrieved passages",
}
# How a rule treats its kind: the rule's words, and what the choice means to the model.
# A step offers some of them (UT: keep; CO: shorten or drop).
TREATMENTS = {
    "verbatim": "Keep {what}, word for word.",
    "brief": "Keep {what}, in brief.",
    "drop": "Leave out {what} once the agent no longer needs them.",
}
MEANINGS = {
    "verbatim": "keep this kind word for word",
    "brief": "keep this kind, shortened",
    "drop": "leave this kind out once it is no longer needed",
}
STEP_TREATMENTS = {"ut": ("verbatim", "brief"), "co": ("brief", "drop")}
HEADER = "Rules for what to keep (one per kind of information):"


@dataclass(frozen=True)
class Rule:
    kind: str
    treatment: str

    def render(self, kinds: dict[str, str]) -> str:
        return "- " + TREATMENTS[self.treatment].format(what=kinds[self.kind])


def rules_of(text: str, kinds: dict[str, str]) -> dict[str, Rule]:
    """The rules in a guideline's rules section, by kind (lines this module rendered)."""
    known = {Rule(kind, how).render(kinds): Rule(kind, how) for kind in kinds for how in TREATMENTS}
    _, _, section = text.partition(HEADER)
    found = (known.get(line.strip()) for line in section.splitlines())
    return {rule.kind: rule for rule in found if rule is not None}


def with_rule(text: str, rule: Rule, kinds: dict[str, str]) -> str:
    """`text` with `rule` set for its kind (added, or replacing that kind's rule)."""
    rules = {**rules_of(text, kinds), rule.kind: rule}
    body = text.partition(HEADER)[0].rstrip()
    lines = [rules[k].render(kinds) for k in kinds if k in rules]  # in the list's order
    return f"{body}\n\n{HEADER}\n" + "\n".join(lines)


def choices(text: str, step: str, kinds: dict[str, str], taken: set[str]) -> dict[str, list[str]]:
    """What a step may still pick: each kind not picked by an earlier sample of the step
    (`taken`) with the treatments that would change the guideline."""
    current = rules_of(text, kinds)
    offered: dict[str, list[str]] = {}
    for kind in kinds:
        if kind in taken:
            continue
        now = current.get(kind)
        hows = [h for h in STEP_TREATMENTS[step] if now is None or now.treatment != h]
        if hows:
            offered[kind] = hows
    return offered
