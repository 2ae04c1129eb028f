"""What counts as a new candidate: a reply that only re-wraps the parent's lines is the
parent (measured: the 1.5B optimizer asked to rewrite the Prompting guideline returned it
with its line breaks removed, which was taken as a new candidate and, on a tied score,
kept; results/optimizers/proposals/)."""

from __future__ import annotations

import dspy

from acon.optimize.proposal import propose
from acon.optimize.signatures import ProposeGuideline

PARENT = "Keep the answers found so far,\nword for word.\n\nKeep the plan."


class ScriptedLM:
    """Answers each sample with the next scripted guideline."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.unusable: list[str] = []
        self.samples: list[int] = []

    def predict(self, signature, sample, **inputs):
        self.samples.append(sample)
        return dspy.Prediction(new_guideline=self.replies.pop(0))


def proposed(replies: list[str]) -> list[str]:
    return propose(
        ScriptedLM(replies),  # type: ignore[arg-type]
        ProposeGuideline,
        PARENT,
        "feedback",
        ["the summary dropped the answer"],
        n=len(replies),
        sample_size=None,
        seed="s",
        temperature=0.0,
        step="ut",
    )


def test_a_rewrapped_parent_is_not_a_new_candidate():
    rewrapped = "Keep the answers found so far, word for word.\nKeep the plan."
    assert proposed([rewrapped, PARENT + "\n"]) == []


def test_a_changed_word_is_a_candidate_once():
    changed = "Keep the answers found so far, verbatim.\n\nKeep the plan."
    assert proposed([changed, changed.replace("\n\n", " ")]) == [changed]


def test_a_later_round_asks_for_new_samples():
    """Round 2 from an unchanged parent: samples 2 and 3, not 0 and 1 again (measured: with
    the same samples every program's second round repeated its first, from the cache)."""
    lm = ScriptedLM(["Keep the plan.", "Keep the errors."])
    propose(
        lm,  # type: ignore[arg-type]
        ProposeGuideline,
        PARENT,
        "feedback",
        ["the summary dropped the answer"],
        n=2,
        sample_size=None,
        seed="s",
        temperature=0.7,
        step="ut",
        first_sample=2,
    )
    assert lm.samples == [2, 3]
