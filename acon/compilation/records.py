"""What compilation reads and writes: trajectories of turns, and QA pairs over them.

A trajectory is one session of one source (a task of a run folder, a session of an audit
log), or one window of a long session. Its turns carry ids that are positions in the
whole session (1-based), so a pair's supporting turns name the same turns in every window,
and "non-adjacent" means ids that differ by at least 2.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordTurn:
    id: int  # 1-based position in the session
    text: str  # what the turn says: the call (tool, arguments) and its response
    tool: str | None = None
    time: str | None = None


@dataclass(frozen=True)
class Trajectory:
    source: str  # "run:<folder>" or "audit:<location>"
    session: str  # a task id or a session id
    turns: tuple[RecordTurn, ...]
    task: str | None = None  # the task the agent was given, where known
    window: int = 0  # 0 unless a long session was cut into windows
    meta: dict[str, Any] = field(default_factory=dict, compare=False)  # cost, duration, ...

    @property
    def key(self) -> str:
        return f"{self.source}|{self.session}|{self.window}"

    @property
    def content_sha(self) -> str:
        """The sha256 of what the compiler is shown (task and turns)."""
        body = json.dumps([self.task, [asdict(t) for t in self.turns]], sort_keys=True)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def turn(self, turn_id: int) -> RecordTurn | None:
        return next((t for t in self.turns if t.id == turn_id), None)


def render_turns(turns: tuple[RecordTurn, ...] | list[RecordTurn]) -> str:
    """Turns as a model reads them: one `[turn N]` block each."""
    return "\n\n".join(
        f"[turn {t.id}]" + (f" {t.tool}" if t.tool else "") + f"\n{t.text}" for t in turns
    )


@dataclass
class QAPair:
    question: str
    answer: str
    supporting_turns: list[int]
    verdicts: dict[str, bool | None] = field(
        default_factory=dict
    )  # check -> passed (None: not run)
    scores: dict[str, float] = field(default_factory=dict)  # overlap, reader F1, ...
    cost_usd: float = 0.0  # its share of the proposal, plus its own checks

    def repeats(self, others: list[QAPair]) -> bool:
        """Whether one of `others` asks the same question with the same answer."""
        return any((o.question, o.answer) == (self.question, self.answer) for o in others)

    @property
    def kept(self) -> bool:
        return bool(self.verdicts) and all(v is not False for v in self.verdicts.values())

    def pair_id(self, trajectory_key: str) -> str:
        body = json.dumps([trajectory_key, self.question, self.answer])
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:24]
