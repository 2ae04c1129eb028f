"""The agent's context: system prompt, task, an optional summary, then the turns kept.

It owns the two compression triggers. An observation longer than its threshold is
compressed before it enters the history; when the history (everything after the system
prompt) passes its threshold, the history strategy rewrites it, keeping the last
`keep_last` turns raw (`agent.context`). Token counts are cl100k_base, counted once per
message and kept as running totals, so a step costs the same at step 200 as at step 2.

A compressor that fails in the method's own way (an unusable reply, or an input longer
than its model's window) leaves the context as it was; the failure is recorded and
counted. A compressor endpoint that cannot be reached, refuses the key or the request is
not the method failing: that error ends the task as errored (acon.agent.react).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from acon.agent.config import ContextConfig
from acon.compression.base import (
    Compacted,
    CompressionError,
    HistoryState,
    HistoryStrategy,
    ObservationStrategy,
    Turn,
    summary_message,
)
from acon.llm.client import ChatResult, LLMCallError
from acon.tokens import count_message, count_text
from acon.trajectory import CompressorCall, TaskRecord, TrajectoryWriter

log = logging.getLogger(__name__)


@dataclass
class AgentContext:
    system: str
    task: str
    config: ContextConfig
    history: HistoryStrategy | None = None
    observation: ObservationStrategy | None = None
    record: TaskRecord = field(default_factory=lambda: TaskRecord(task_id="?"))
    writer: TrajectoryWriter = field(default_factory=lambda: TrajectoryWriter(None))
    summary: str | None = None
    turns: list[Turn] = field(default_factory=list)
    all_turns: list[Turn] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.system_message = {"role": "system", "content": self.system}
        self.task_message = {"role": "user", "content": self.task}
        self.system_tokens = count_message(self.system_message)
        self._task_tokens = count_message(self.task_message)
        self._summary_message: dict[str, str] | None = None
        self._summary_tokens = 0
        self._turn_tokens = 0

    @property
    def history_tokens(self) -> int:
        """cl100k tokens after the system prompt: task, summary, kept turns."""
        return self._task_tokens + self._summary_tokens + self._turn_tokens

    @property
    def tokens(self) -> int:
        """cl100k tokens of the whole input, framing included (as `count_messages`)."""
        return self.system_tokens + self.history_tokens + 3

    def messages(self) -> list[dict[str, str]]:
        out = [self.system_message, self.task_message]
        if self._summary_message is not None:
            out.append(self._summary_message)
        for turn in self.turns:
            out.extend(turn.messages())
        return out

    def add(self, step: int, action: str, observation: str) -> Turn:
        """Record one step; compress the observation, then the history, as configured."""
        if (
            self.observation is not None
            and count_text(observation) > self.config.observation_threshold_tokens
        ):
            observation = self._compress_observation(step, action, observation)
        turn = Turn.make(step, action, observation)
        self.turns.append(turn)
        self.all_turns.append(turn)
        self._turn_tokens += turn.tokens
        if self.history is not None and self.history_tokens > self.config.history_threshold_tokens:
            self._compress_history(step)
        return turn

    def _compress_observation(self, step: int, action: str, observation: str) -> str:
        assert self.observation is not None
        before = count_text(observation)
        start = time.perf_counter()
        try:
            result = self.observation.compress(observation, self.task, action)
        except (CompressionError, LLMCallError) as exc:
            _raise_unless_the_methods(exc)
            self._failed("observation", self.observation.name, step, before, start, exc)
            return observation
        self._succeeded(
            "observation", self.observation.name, step, before, count_text(result.text),
            start, result.call, {"input": observation, "output": result.text},
        )  # fmt: skip
        return result.text

    def _compress_history(self, step: int) -> None:
        assert self.history is not None
        before = self.history_tokens
        settings = self.config
        state = HistoryState(self.task, self.summary, list(self.turns), list(self.all_turns),
                             settings.keep_last, settings.history_threshold_tokens)  # fmt: skip
        start = time.perf_counter()
        try:
            compacted = self.history.compact(state)
        except (CompressionError, LLMCallError) as exc:
            _raise_unless_the_methods(exc)
            self._failed("history", self.history.name, step, before, start, exc)
            return
        if compacted.detail.get("skipped"):
            return
        self._apply(compacted)
        payload = {
            "summary": compacted.summary,
            "kept_turns": [t.index for t in compacted.turns],
            "detail": compacted.detail,
        }
        self._succeeded(
            "history", self.history.name, step, before, self.history_tokens, start,
            compacted.call, payload,
        )  # fmt: skip

    def _apply(self, compacted: Compacted) -> None:
        self.summary = compacted.summary
        if compacted.summary is None:
            self._summary_message, self._summary_tokens = None, 0
        else:
            self._summary_message = summary_message(compacted.summary)
            self._summary_tokens = count_message(self._summary_message)
        self.turns = list(compacted.turns)
        self._turn_tokens = sum(t.tokens for t in self.turns)

    def _succeeded(
        self,
        kind: str,
        strategy: str,
        step: int,
        before: int,
        after: int,
        start: float,
        call: ChatResult | None,
        payload: dict[str, Any],
    ) -> None:
        entry = CompressorCall(
            kind=kind,
            step=step,
            strategy=strategy,
            ok=True,
            in_tokens=before,
            out_tokens=after,
            provider_in=call.usage.prompt if call else 0,
            provider_cached=call.usage.cached_prompt if call else 0,
            provider_out=call.usage.completion if call else 0,
            # the model's own time (a cached reply keeps the live call's), else the wall's
            latency_s=call.latency_s if call else time.perf_counter() - start,
            cost_usd=call.cost_usd if call else 0.0,
        )
        self.record.compressions.append(entry)
        if call is not None:  # the exact exchange, a distilled compressor's training pair
            payload = {**payload, "request": call.messages, "reply": call.text}
        self.writer.event("compression", **vars(entry), **payload)

    def _failed(
        self, kind: str, strategy: str, step: int, before: int, start: float, exc: Exception
    ) -> None:
        log.warning("%s compression (%s) failed at step %d: %s", kind, strategy, step, exc)
        entry = CompressorCall(
            kind=kind,
            step=step,
            strategy=strategy,
            ok=False,
            in_tokens=before,
            out_tokens=before,
            latency_s=time.perf_counter() - start,
            error=str(exc),
        )
        self.record.compressions.append(entry)
        self.writer.event("compression", **vars(entry))


def _raise_unless_the_methods(exc: Exception) -> None:
    """A compressor's unusable reply or overflowing input is the method's failure; any
    other call failure (endpoint down, refused request) is infrastructure: re-raise it."""
    if isinstance(exc, LLMCallError) and exc.kind != "context_overflow":
        raise exc
