"""The optimizer's LLM programs, as DSPy signatures (run on the accounted LLM layer)."""

from __future__ import annotations

from typing import Literal

import dspy


class ContrastiveFeedback(dspy.Signature):
    """An agent solved a task with its full context but failed when its context was
    compressed by following the guideline. Compare the two contexts and find what the
    compression lost or distorted that the agent needed."""

    task: str = dspy.InputField()
    guideline: str = dspy.InputField(desc="the compression guideline that was followed")
    full_context: str = dspy.InputField(desc="the uncompressed run: context and outcome")
    compressed_context: str = dspy.InputField(desc="the compressed run: context and outcome")
    lost_facts: str = dspy.OutputField(desc="facts lost or distorted by the compression")
    lost_state: str = dspy.OutputField(desc="state the agent needed (ids, values, progress)")
    wrong_summaries: str = dspy.OutputField(desc="wrong or misleading compressed statements")
    keep: str = dspy.OutputField(desc="what a guideline must tell the compressor to keep")


class FailureFeedback(dspy.Signature):
    """An agent failed a task while its context was compressed by following the guideline.
    Find what in the compressed context was missing, lost or misleading."""

    task: str = dspy.InputField()
    guideline: str = dspy.InputField(desc="the compression guideline that was followed")
    compressed_context: str = dspy.InputField(desc="the compressed run: context and outcome")
    lost_facts: str = dspy.OutputField(desc="facts that seem lost or distorted")
    lost_state: str = dspy.OutputField(desc="state the agent seems to have lost")
    wrong_summaries: str = dspy.OutputField(desc="wrong or misleading compressed statements")
    keep: str = dspy.OutputField(desc="what a guideline must tell the compressor to keep")


class ProposeGuideline(dspy.Signature):
    """Improve a context-compression guideline using feedback from tasks it made fail.
    Keep what works and its section structure; add precise instructions that prevent the
    failures. Return the complete new guideline text only."""

    guideline: str = dspy.InputField(desc="the current guideline")
    feedback: str = dspy.InputField(desc="what compression lost in failed tasks")
    new_guideline: str = dspy.OutputField(desc="the complete improved guideline")


class AddInstructions(dspy.Signature):
    """A context-compression guideline made an agent fail tasks that it solves with its full
    context. From the feedback, write one to three short instructions to add to the
    guideline so that the compressor keeps what was lost. They must help on any task: name
    kinds of information (answers found so far, ids, numbers, progress), never a specific
    task, person, place or answer. For example, feedback "the summary lost that order 4411
    was refunded" gives "Keep every id the agent found, with what happened to it", not "Keep
    order 4411". Return only the new instructions, one per line."""

    guideline: str = dspy.InputField(desc="the current guideline")
    feedback: str = dspy.InputField(desc="what compression lost in failed tasks")
    new_instructions: str = dspy.OutputField(desc="one to three new instructions, one per line")


class UsageAnalysis(dspy.Signature):
    """An agent succeeded with a compressed context. Identify which parts of the compressed
    context it actually used to succeed, and which parts it never needed."""

    task: str = dspy.InputField()
    guideline: str = dspy.InputField(desc="the compression guideline that was followed")
    compressed_context: str = dspy.InputField(desc="the compressed run: context and outcome")
    used: str = dspy.OutputField(desc="information the agent used")
    unused: str = dspy.OutputField(desc="information kept but never needed")


class ShortenGuideline(dspy.Signature):
    """Make a context-compression guideline produce shorter compressed contexts without
    dropping what agents used. Remove instructions that keep unneeded information; keep
    the rest. Return the complete new guideline text only, no longer than the current one."""

    guideline: str = dspy.InputField(desc="the current guideline")
    analysis: str = dspy.InputField(desc="what agents used and did not use")
    new_guideline: str = dspy.OutputField(desc="the complete shorter guideline")


RULE_INSTRUCTIONS = {
    "ut": "A context-compression guideline made an agent fail tasks that it solves with its "
    "full context. From the feedback, pick the one kind of information whose loss hurt the "
    "agent most, and how the compressor must keep it from now on.",
    "co": "An agent succeeded with compressed contexts. From the analysis of what it used and "
    "never needed, pick the one kind of information the compressor can shorten or leave out "
    "without hurting the agent.",
}


def rule_edit(step: str, kinds: list[str], treatments: list[str]) -> type[dspy.Signature]:
    """The `edits` proposal program of a step: its answer is only a choice of a kind of
    information and a treatment, from the lists given (acon.optimize.rules renders the
    rule). Made per call: each sample is offered the kinds the earlier ones left."""
    feedback = "feedback" if step == "ut" else "analysis"
    return dspy.Signature(
        {
            "guideline": (str, dspy.InputField(desc="the current guideline")),
            feedback: (str, dspy.InputField(desc="what the tasks showed")),
            "options": (str, dspy.InputField(desc="the kinds and treatments to pick from")),
            "kind": (Literal[tuple(kinds)], dspy.OutputField(desc="the kind of information")),
            "treatment": (Literal[tuple(treatments)], dspy.OutputField(desc="its treatment")),
        },
        RULE_INSTRUCTIONS[step],
    )
