"""Does a candidate guideline carry text copied from the training tasks?

A guideline must generalize. One that names training task ids, repeats a task's own
question, holds a gold answer, or copies a long span of what the agent observed is a memo
about those tasks: its score on them says nothing about other tasks (small optimizer
models do this; the 1.5B local one writes task ids and task notes into its proposals).

What counts as copied (words: lower-cased runs of letters and digits):
- a training task's id, as a whole word;
- a gold answer of a training task (`Task.metadata["gold"]`, lists flattened) of at least
  `min_answer_chars` characters, as whole words;
- a run of `min_words` words that occurs in exactly one training task's uncompressed run
  (its instruction, observations and the agent's own notes). Runs shared by two or more
  tasks are the benchmark's template (system prompt, tool text), not a task's content.

A run already in the parent guideline is not the candidate's leak: it inherited it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from acon.config.schemas import check_positive
from acon.optimize.contexts import last_context

WORD = re.compile(r"[a-z0-9]+")


@dataclass
class LeakageConfig:
    """`optimizer.leakage`: the check every candidate passes before it is evaluated."""

    check: bool = True
    reject: bool = True  # false: report the leak in the outcome and lineage, evaluate anyway
    min_words: int = 6  # a copied run of this many words counts
    min_answer_chars: int = 4  # shorter gold answers ("one", "3") are too common to count

    def __post_init__(self) -> None:
        check_positive("min_words", self.min_words)
        check_positive("min_answer_chars", self.min_answer_chars)


@dataclass(frozen=True)
class Leak:
    kind: str  # task_id | answer | span
    task_id: str
    text: str

    def describe(self) -> str:
        return f"{self.kind} of {self.task_id}: {self.text!r}"


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _runs(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """Every run of `n` consecutive words, in order."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _answers(gold: Any) -> Iterable[str]:
    if isinstance(gold, str):
        yield gold
    elif isinstance(gold, Iterable) and not isinstance(gold, Mapping):
        for item in gold:
            yield from _answers(item)


class LeakageCheck:
    """Built once per optimization from the training tasks' ids, gold answers and
    uncompressed run texts (`texts`, by task id); `leaks(candidate, parent)` per proposal."""

    def __init__(self, tasks: Iterable[Any], texts: Mapping[str, str], config: LeakageConfig):
        self.config = config
        self.ids = [t.id for t in tasks]
        self.gold = {
            t.id: [
                a
                for a in _answers(t.metadata.get("gold"))
                if len(a.strip()) >= config.min_answer_chars
            ]
            for t in tasks
        }
        owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for task_id, text in texts.items():
            for run in _runs(words(text), config.min_words):
                owners[run].add(task_id)
        self.own_runs = {run: next(iter(ids)) for run, ids in owners.items() if len(ids) == 1}

    def leaks(self, candidate: str, parent: str = "") -> list[Leak]:
        tokens, inherited = words(candidate), words(parent)
        found = []
        for task_id in self.ids:
            if _contains(tokens, words(task_id)) and not _contains(inherited, words(task_id)):
                found.append(Leak("task_id", task_id, task_id))
            for answer in self.gold.get(task_id, []):
                if _contains(tokens, words(answer)) and not _contains(inherited, words(answer)):
                    found.append(Leak("answer", task_id, answer))
        old = set(_runs(inherited, self.config.min_words))
        seen: set[str] = set()
        for i, run in enumerate(_runs(tokens, self.config.min_words)):
            owner = self.own_runs.get(run)
            if owner is None or run in old or owner in seen:
                continue
            seen.add(owner)  # one span per task is enough to say it
            found.append(Leak("span", owner, " ".join(_longest_from(tokens, i, self))))
        return found


def _longest_from(tokens: list[str], start: int, check: LeakageCheck) -> list[str]:
    """The copied run starting at `start`, extended while it stays one task's text."""
    n = check.config.min_words
    end = start + n
    while end < len(tokens) and tuple(tokens[end - n + 1 : end + 1]) in check.own_runs:
        end += 1
    return tokens[start:end]


def as_records(leaks: list[Leak]) -> list[dict[str, str]]:
    return [asdict(leak) for leak in leaks]


def leakage_check(tasks: list[Any], baseline: Any, config: LeakageConfig) -> LeakageCheck:
    """The check against `tasks`' uncompressed runs (`baseline`: CandidateEvaluator's)."""
    texts = {t: last_context(baseline.folder, t) for t in baseline.rows}
    return LeakageCheck(tasks, texts, config)
