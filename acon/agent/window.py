"""What the agent sees: system prompt, task, the FactSet, an optional summary, then the turns
kept, with running cl100k totals (counted once per message, so a step costs the same at
step 200 as at step 2)."""

from __future__ import annotations

from acon.compression.base import Compacted, Turn, summary_message
from acon.tokens import count_message


class Window:
    def __init__(self, system: str, task: str):
        self.system_message = {"role": "system", "content": system}
        self.task_message = {"role": "user", "content": task}
        self.system_tokens = count_message(self.system_message)
        self._task_tokens = count_message(self.task_message)
        self.summary: str | None = None
        self._summary_message: dict[str, str] | None = None
        self._summary_tokens = 0
        self.turns: list[Turn] = []
        self.all_turns: list[Turn] = []  # every turn since the start, as it was added
        self._turn_tokens = 0
        self._facts_message: dict[str, str] | None = None
        self._facts_tokens = 0

    @property
    def history_tokens(self) -> int:
        """cl100k tokens after the system prompt: task, FactSet, summary, kept turns."""
        return self._task_tokens + self._facts_tokens + self._summary_tokens + self._turn_tokens

    @property
    def tokens(self) -> int:
        """cl100k tokens of the whole input, framing included (as `count_messages`)."""
        return self.system_tokens + self.history_tokens + 3

    def messages(self) -> list[dict[str, str]]:
        out = [self.system_message, self.task_message]
        if self._facts_message is not None:
            out.append(self._facts_message)
        if self._summary_message is not None:
            out.append(self._summary_message)
        for turn in self.turns:
            out.extend(turn.messages())
        return out

    def append(self, turn: Turn) -> None:
        self.turns.append(turn)
        self.all_turns.append(turn)
        self._turn_tokens += turn.tokens

    def replace_observation(self, step: int, text: str) -> bool:
        """Give step `step`'s turn, if still kept, the observation `text`; whether it was."""
        place = next((i for i, t in enumerate(self.turns) if t.index == step), None)
        if place is None:
            return False
        old = self.turns[place]
        self.turns[place] = Turn.make(old.index, old.action, text)
        self._turn_tokens += self.turns[place].tokens - old.tokens
        return True

    def apply(self, compacted: Compacted) -> None:
        """The history a strategy produced takes the place of the summary and turns."""
        self.summary = compacted.summary
        if compacted.summary is None:
            self._summary_message, self._summary_tokens = None, 0
        else:
            self._summary_message = summary_message(compacted.summary)
            self._summary_tokens = count_message(self._summary_message)
        self.turns = list(compacted.turns)
        self._turn_tokens = sum(t.tokens for t in self.turns)

    def show_facts(self, facts: list[str]) -> None:
        """The FactSet's message (after the task) now lists `facts`."""
        self._facts_message = facts_message(facts)
        self._facts_tokens = count_message(self._facts_message)


def facts_message(facts: list[str]) -> dict[str, str]:
    """How the FactSet stands in the agent's context, after the task."""
    return {"role": "user", "content": "Findings so far:\n" + "\n".join(f"- {f}" for f in facts)}
