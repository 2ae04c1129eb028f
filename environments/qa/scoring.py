"""Answer scoring for multi-objective QA: SQuAD-style EM and F1, best over the aliases.

The final answer is one string with the answers in question order separated by ";"
(the agent is told to use "; "). Answers are paired with questions by position, as the
Acon and MEM1 code do: a missing answer scores 0, extra answers are ignored, and the
count mismatch is reported.
"""

from __future__ import annotations

import re
from typing import Any

from acon.answers import exact_match, f1_score, normalize_answer

__all__ = ["exact_match", "f1_score", "normalize_answer", "score_answers", "split_answers"]

# "1. Paris", "2) Paris", "Q3: Paris": small models number their answers. A leading number
# is dropped only when it is the answer's own position, so "1. FC Koln" as a third answer
# or "12 Angry Men" stay as they are.
_ENUMERATOR = re.compile(r"^\s*(?:[QqAa]\s*)?(\d{1,2})[.):]\s+")


def split_answers(answer: str | None) -> list[str]:
    """The final answer string as a list of answers, in the order given."""
    if answer is None or not answer.strip():
        return []
    answers = []
    # A trailing separator ("a; b;") does not start another answer.
    for position, part in enumerate(answer.strip().rstrip(";").split(";"), 1):
        match = _ENUMERATOR.match(part)
        if match and int(match.group(1)) == position:
            part = part[match.end() :]
        answers.append(part.strip())
    return answers


def score_answers(answer: str | None, gold: list[list[str]]) -> dict[str, Any]:
    """Per-question EM and F1 (paired by position) and their means over the questions."""
    given = split_answers(answer)
    em, f1 = [], []
    for i, aliases in enumerate(gold):
        prediction = given[i] if i < len(given) else ""
        em.append(exact_match(prediction, aliases) if prediction else 0.0)
        f1.append(f1_score(prediction, aliases) if prediction else 0.0)
    n = len(gold)
    return {
        "answers": given,
        "answer_count": len(given),
        "expected_count": n,
        "count_mismatch": len(given) != n,
        "em": em,
        "f1": f1,
        "mean_em": sum(em) / n if n else 0.0,
        "mean_f1": sum(f1) / n if n else 0.0,
    }
