"""The compiler role's proposals: 1-5 QA pairs per trajectory, each citing its turns.

`compilation.compiler.evidence`: `model` (ACC's way: the model picks the pairs and their
turns in one call) or `given` (the harness picks turn pairs at least `min_gap` apart and
the model writes one question across each: small models cite one turn per question).

A DSPy signature on the accounted LLM layer (acon.compilation.ask). A reply DSPy cannot
parse is read again item by item, so one malformed pair costs that pair, not its
siblings; everything dropped is counted by why.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pydantic

from acon.compilation.ask import ask
from acon.compilation.records import QAPair, Trajectory, render_turns
from acon.compilation.signatures import AskAcrossTurns, ProposedPair, ProposePairs
from acon.llm.client import LLMClient


@dataclass
class Proposal:
    pairs: list[QAPair] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # why -> count
    cost_usd: float = 0.0
    seconds: float = 0.0  # the model's time (a cached reply keeps the live call's)
    dropped_cost_usd: float = 0.0  # what calls whose pair was dropped cost (none kept it)


def propose(
    client: LLMClient, trajectory: Trajectory, max_pairs: int = 5, sample: int = 0
) -> Proposal:
    """The compiler's pairs for one trajectory; an endpoint failure raises (LLMCallError)."""
    asked = ask(
        client,
        ProposePairs,
        sample=sample,
        task=trajectory.task or "(not recorded)",
        trajectory=render_turns(trajectory.turns),
    )
    out = Proposal(cost_usd=asked.cost_usd, seconds=asked.seconds)
    if asked.prediction is not None:
        items: list[Any] = [p.model_dump() for p in asked.prediction.pairs]
    else:
        items = _lenient_items(asked.raw)
        if not items:
            out.dropped["unparsable_reply"] += 1
    for item in items:
        pair = _pair(item)
        if pair is None:
            out.dropped["malformed"] += 1
        elif pair.repeats(out.pairs):
            out.dropped["duplicate"] += 1
        elif len(out.pairs) >= max_pairs:
            out.dropped["over_limit"] += 1
        else:
            out.pairs.append(pair)
    for pair in out.pairs:  # the proposal's cost, shared by what it proposed
        pair.cost_usd = out.cost_usd / len(out.pairs)
    if not out.pairs:
        out.dropped_cost_usd = out.cost_usd
    return out


def propose_across(
    client: LLMClient,
    trajectory: Trajectory,
    max_pairs: int = 5,
    min_gap: int = 2,
    sample: int = 0,
) -> Proposal:
    """One question per pair of turns the harness picks (at least `min_gap` apart, a
    seeded draw per trajectory and sample): the model writes the question and answer, the
    evidence is given. For models that do not plan non-adjacent evidence themselves."""
    out = Proposal()
    context = {
        "task": trajectory.task or "(not recorded)",
        "trajectory": render_turns(trajectory.turns),
    }
    for first, second in evidence_pairs(trajectory, max_pairs, min_gap, sample):
        # the trajectory first, the turn numbers last: a server's prompt cache reuses it
        asked = ask(
            client, AskAcrossTurns, sample=sample, **context, first_turn=first, second_turn=second
        )
        out.cost_usd += asked.cost_usd
        out.seconds += asked.seconds
        item = (
            None
            if asked.prediction is None
            else {
                "question": asked.prediction.question,
                "answer": asked.prediction.answer,
                "supporting_turns": [first, second],
            }
        )
        pair = _pair(item)
        if pair is None:
            out.dropped["malformed" if item is not None else "unparsable_reply"] += 1
            out.dropped_cost_usd += asked.cost_usd
        elif pair.repeats(out.pairs):
            out.dropped["duplicate"] += 1
            out.dropped_cost_usd += asked.cost_usd
        else:
            pair.cost_usd = asked.cost_usd
            out.pairs.append(pair)
    return out


def evidence_pairs(
    trajectory: Trajectory, count: int, min_gap: int, sample: int = 0
) -> list[tuple[int, int]]:
    """Up to `count` distinct turn pairs at least `min_gap` apart, drawn with a seed of the
    trajectory's key and the sample (the same trajectory gets the same pairs)."""
    ids = [t.id for t in trajectory.turns]
    candidates = [(a, b) for a in ids for b in ids if b - a >= min_gap]
    seed = int(hashlib.sha256(f"{trajectory.key}|{sample}".encode()).hexdigest()[:12], 16)
    return sorted(random.Random(seed).sample(candidates, min(count, len(candidates))))


def _lenient_items(text: str) -> list[Any]:
    """The pair objects of a reply DSPy refused: `{"pairs": [...]}`, a bare list, fenced."""
    match = re.search(r"[\[{].*[\]}]", text, re.DOTALL)
    if not match:
        return []
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return []
    if isinstance(data, dict):
        data = data.get("pairs", [])
    return data if isinstance(data, list) else []


def _pair(item: Any) -> QAPair | None:
    try:
        pair = ProposedPair.model_validate(item)
    except pydantic.ValidationError:
        return None
    question, answer = pair.question.strip(), pair.answer.strip()
    if not question or not answer or not pair.supporting_turns:
        return None
    return QAPair(question, answer, sorted(set(pair.supporting_turns)))
