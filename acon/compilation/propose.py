"""The compiler role's proposals: 1-5 QA pairs per trajectory, each citing its turns.

A DSPy signature on the accounted LLM layer (acon.compilation.ask). A reply DSPy cannot
parse is read again item by item, so one malformed pair costs that pair, not its
siblings; everything dropped is counted by why.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pydantic

from acon.compilation.ask import ask
from acon.compilation.records import QAPair, Trajectory, render_turns
from acon.compilation.signatures import ProposedPair, ProposePairs
from acon.llm.client import LLMClient


@dataclass
class Proposal:
    pairs: list[QAPair] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # why -> count
    cost_usd: float = 0.0
    seconds: float = 0.0  # the model's time (a cached reply keeps the live call's)


def propose(
    client: LLMClient, trajectory: Trajectory, max_pairs: int = 5, sample: int = 0
) -> Proposal:
    """The compiler's pairs for one trajectory; an endpoint failure raises (LLMCallError)."""
    asked = ask(client, ProposePairs, sample=sample, task=trajectory.task or "(not recorded)",
                trajectory=render_turns(trajectory.turns))  # fmt: skip
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
        elif any(p.question == pair.question and p.answer == pair.answer for p in out.pairs):
            out.dropped["duplicate"] += 1
        elif len(out.pairs) >= max_pairs:
            out.dropped["over_limit"] += 1
        else:
            out.pairs.append(pair)
    for pair in out.pairs:  # the proposal's cost, shared by what it proposed
        pair.cost_usd = out.cost_usd / len(out.pairs)
    return out


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
