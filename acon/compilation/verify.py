"""Every proposed pair is checked before it is kept; each keeps its verdicts and scores.

Cheapest first, and a pair's later checks are not run once one fails (verdict None):
- turns_exist: every cited turn is a turn of the trajectory;
- non_adjacent: two cited turns are at least `min_gap` apart;
- overlap (deterministic): at least `min_overlap` of the answer's content words occur in
  the cited turns, and every cited turn shares a content word with the question or the
  answer (a cited turn that says nothing about the pair is not evidence);
- judge_support: the judge role, shown the cited turns alone, says they support the answer;
- multi_turn: the judge role, shown one cited turn at a time, cannot reach the answer from
  any of them (token F1 below `single_turn_f1`);
- reader (optional): the reader role answers from the whole trajectory, no tools, and
  reaches `reader_f1` against the reference.
A reply that does not parse fails its check (the pair is not shown to be good); an
endpoint that fails raises: an outage is never a verdict.
"""

from __future__ import annotations

from collections.abc import Callable

from acon.answers import normalize_answer, token_f1
from acon.compilation.ask import Asked, answer_of, ask
from acon.compilation.config import VerifyConfig
from acon.compilation.records import QAPair, Trajectory, render_turns
from acon.compilation.signatures import AnswerFromContext, JudgeSupport
from acon.llm.client import LLMClient

# Words that carry no evidence on their own (normalize_answer already drops a/an/the).
_STOPWORDS = """of in on at to for from by with and or is are was were be been it its this
that these those as which what who whom whose when where why how did does do has have had
not no yes"""
STOPWORDS = frozenset(_STOPWORDS.split())
Check = Callable[[QAPair, Trajectory], tuple[bool, dict[str, float], float]]


def content_words(text: str) -> set[str]:
    return {w for w in normalize_answer(text).split() if w not in STOPWORDS}


def turns_exist(pair: QAPair, trajectory: Trajectory) -> bool:
    ids = {t.id for t in trajectory.turns}
    return bool(pair.supporting_turns) and all(i in ids for i in pair.supporting_turns)


def non_adjacent(pair: QAPair, min_gap: int = 2) -> bool:
    cited = sorted(set(pair.supporting_turns))
    return len(cited) >= 2 and cited[-1] - cited[0] >= min_gap


def overlap(pair: QAPair, trajectory: Trajectory) -> tuple[float, float]:
    """(share of the answer's content words in the cited turns, share of cited turns that
    share a content word with the question or answer)."""
    cited = [t for t in trajectory.turns if t.id in set(pair.supporting_turns)]
    if not cited:
        return 0.0, 0.0
    words = [content_words(t.text) for t in cited]
    answer = content_words(pair.answer)
    found = set().union(*words)
    recall = len(answer & found) / len(answer) if answer else 0.0
    asked = content_words(pair.question) | answer
    relevant = sum(1 for w in words if w & asked) / len(words)
    return recall, relevant


class Verifier:
    """Runs the configured checks on a trajectory's pairs, filling verdicts and scores."""

    def __init__(self, config: VerifyConfig, judge: LLMClient | None, reader: LLMClient | None):
        self.config = config
        self.judge, self.reader = judge, reader
        self.checks: dict[str, Check] = {
            "turns_exist": lambda p, t: (turns_exist(p, t), {}, 0.0),
            "non_adjacent": lambda p, t: (non_adjacent(p, config.min_gap), {}, 0.0),
            "overlap": self._overlap,
            "judge_support": self._judge_support,
            "multi_turn": self._multi_turn,
            "reader": self._reader,
        }

    def verify(self, pair: QAPair, trajectory: Trajectory) -> QAPair:
        failed = False
        for name in self.config.checks:
            if failed:
                pair.verdicts[name] = None
                continue
            passed, scores, cost = self.checks[name](pair, trajectory)
            pair.verdicts[name] = passed
            pair.scores.update(scores)
            pair.cost_usd += cost
            failed = not passed
        return pair

    def _overlap(self, pair: QAPair, trajectory: Trajectory) -> tuple[bool, dict, float]:
        recall, relevant = overlap(pair, trajectory)
        passed = recall >= self.config.min_overlap and relevant == 1.0
        return passed, {"overlap": recall, "cited_relevant": relevant}, 0.0

    def _judge_support(self, pair: QAPair, trajectory: Trajectory) -> tuple[bool, dict, float]:
        cited = tuple(t for t in trajectory.turns if t.id in set(pair.supporting_turns))
        asked = ask(
            _needs(self.judge, "judge"),
            JudgeSupport,
            turns=render_turns(cited),
            question=pair.question,
            answer=pair.answer,
        )
        return _flag(asked, "supported"), {}, asked.cost_usd

    def _multi_turn(self, pair: QAPair, trajectory: Trajectory) -> tuple[bool, dict, float]:
        best, cost = 0.0, 0.0
        for turn in trajectory.turns:
            if turn.id not in pair.supporting_turns:
                continue
            asked = ask(
                _needs(self.judge, "judge"),
                AnswerFromContext,
                context=render_turns((turn,)),
                question=pair.question,
            )
            cost += asked.cost_usd
            best = max(best, token_f1(answer_of(asked), pair.answer))
        return best < self.config.single_turn_f1, {"single_turn_f1": best}, cost

    def _reader(self, pair: QAPair, trajectory: Trajectory) -> tuple[bool, dict, float]:
        asked = ask(
            _needs(self.reader, "reader"),
            AnswerFromContext,
            context=render_turns(trajectory.turns),
            question=pair.question,
        )
        f1 = token_f1(answer_of(asked), pair.answer)
        return f1 >= self.config.reader_f1, {"reader_f1": f1}, asked.cost_usd


def _needs(client: LLMClient | None, role: str) -> LLMClient:
    if client is None:
        raise RuntimeError(f"a check needs the {role} role, and the verifier was given none")
    return client


def _flag(asked: Asked, name: str) -> bool:
    return asked.prediction is not None and getattr(asked.prediction, name) is True
