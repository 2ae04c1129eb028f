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

import dataclasses
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acon.agent.artifacts import ArtifactStore, handle, read_max_tokens
from acon.agent.config import ContextConfig
from acon.compression.base import (
    Compacted,
    CompressedObservation,
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
    artifacts_dir: Path | None = None  # where an offloading strategy's store writes
    facts: list[str] = field(default_factory=list)  # the FactSet: findings kept in context

    def __post_init__(self) -> None:
        self.system_message = {"role": "system", "content": self.system}
        self.task_message = {"role": "user", "content": self.task}
        self.system_tokens = count_message(self.system_message)
        self._task_tokens = count_message(self.task_message)
        self._summary_message: dict[str, str] | None = None
        self._summary_tokens = 0
        self._turn_tokens = 0
        self._pending: _Compaction | None = None  # a history compaction not yet spliced in
        self._observing: list[_Observed] = []  # background observation compressions
        self._pool: ThreadPoolExecutor | None = None
        self._facts_message: dict[str, str] | None = None
        self._facts_tokens = 0
        self.artifacts: ArtifactStore | None = None
        if self.observation is not None and self.observation.offloads:
            self.artifacts = ArtifactStore(self.artifacts_dir, read_max_tokens(self.observation))

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

    def add(self, step: int, action: str, observation: str, compress: bool = True) -> Turn:
        """Record one step; compress the observation (unless not to: an artifact read
        back), then the history, as configured. In the background an observation enters
        raw and its compressed form replaces it when ready (if its turn is still there)."""
        job = None
        if (
            compress
            and self.observation is not None
            and count_text(observation) > self.config.observation_threshold_tokens
        ):
            job = _Observed(step, action, observation, time.perf_counter())
            call = (self.observation.compress, observation, self.task, action)
            if self.config.background:
                job.future = self._worker().submit(_timed, *call)
                self._observing.append(job)
            else:
                job.future.set_result(_timed(*call))
                observation = self._observed(job, *_outcome(job.future, job.start))
        turn = Turn.make(step, action, observation)
        self.turns.append(turn)
        self.all_turns.append(turn)
        self._turn_tokens += turn.tokens
        self._settle_observations()
        if self.history is not None:
            self._compact_history(step)
        return turn

    def close(self) -> None:
        """The task is over: background compressions still running are waited for and
        recorded (their cost counts) but not spliced into a context no one reads."""
        jobs, self._observing = self._observing, []
        for observed in jobs:
            outcome, ended, _ = _outcome(observed.future, None)
            try:
                self._observed(observed, outcome, ended, 0.0, splice=False)
            except LLMCallError as exc:  # the answer is in; an outage now changes nothing
                assert self.observation is not None
                before, wall = count_text(observed.observation), ended - observed.start
                self._ended_with(exc, "observation", self.observation.name, observed.step,
                                 before, wall)  # fmt: skip
        job, self._pending = self._pending, None
        if job is not None:
            outcome, ended, _ = _outcome(job.future, waited_from=None)
            try:
                self._finish(job, outcome, ended, 0.0, splice=False)
            except LLMCallError as exc:
                assert self.history is not None
                self._ended_with(exc, "history", self.history.name, job.step, job.before,
                                 ended - job.start)  # fmt: skip
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _ended_with(
        self, exc: Exception, kind: str, strategy: str, step: int, before: int, wall: float
    ) -> None:
        """A background compression that failed after the task ended: recorded, not raised."""
        log.warning("background %s compression failed after the task ended: %s", kind, exc)
        self._failed(kind, strategy, step, before, wall, 0.0, exc)

    def _worker(self) -> ThreadPoolExecutor:
        """One thread for background compressions: they run in order, as on one slot."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="compaction")
        return self._pool

    def _settle_observations(self) -> None:
        """Splice in the background observation compressions that are done; past the hard
        threshold, wait for all of them."""
        wait = self.history_tokens > self.config.hard_threshold
        since = time.perf_counter()
        for job in list(self._observing):
            if wait or job.future.done():
                self._observing.remove(job)
                self._observed(job, *_outcome(job.future, since if wait else None))

    def _observed(
        self, job: _Observed, outcome: Any, ended: float, waited: float, splice: bool = True
    ) -> str:
        """Record an observation compression that has ended; return the text the context
        gets. In the background, its turn (if still in the context) takes that text."""
        assert self.observation is not None
        name, before, wall = self.observation.name, count_text(job.observation), ended - job.start
        if isinstance(outcome, Exception):
            if not isinstance(outcome, CompressionError | LLMCallError):
                raise outcome
            _raise_unless_the_methods(outcome)
            self._failed("observation", name, job.step, before, wall, waited, outcome)
            return job.observation
        text = self._offload(job.step, job.observation, outcome) if outcome.offloaded else (
            outcome.text
        )  # fmt: skip
        place = next((i for i, t in enumerate(self.turns) if t.index == job.step), None)
        spliced = splice and self.config.background and place is not None
        if spliced:
            old = self.turns[place]
            self.turns[place] = Turn.make(old.index, old.action, text)
            self._turn_tokens += self.turns[place].tokens - old.tokens
        payload: dict[str, Any] = {"input": job.observation, "output": text}
        if self.config.background:
            payload["background"] = {"spliced": spliced}
        self._succeeded("observation", name, job.step, before, count_text(text), wall, waited,
                        outcome.call, payload)  # fmt: skip
        return text

    def _offload(self, step: int, observation: str, result: CompressedObservation) -> str:
        """Store the raw observation (and record it whole), keep its findings in the
        FactSet; the handle and gist are what the context gets."""
        assert self.artifacts is not None
        artifact = self.artifacts.put(observation)
        self.writer.event("artifact", step=step, id=artifact.id, tokens=artifact.tokens,
                          text=artifact.text, facts=list(result.facts))  # fmt: skip
        new = [f for f in result.facts if f not in self.facts]
        if new:
            self.facts.extend(new)
            self._facts_message = facts_message(self.facts)
            self._facts_tokens = count_message(self._facts_message)
        return handle(artifact, result.text, result.facts)

    def _compact_history(self, step: int) -> None:
        """Splice a finished background compaction in; start one past the (soft) threshold;
        wait for it when it runs in the foreground or the hard threshold is passed."""
        settings = self.config
        if self._pending is not None and self._pending.future.done():
            self._finish(self._pending, *_outcome(self._pending.future, waited_from=None))
        if self._pending is None and self.history_tokens > settings.history_threshold_tokens:
            self._pending = self._start(step)
        if self._pending is not None and (
            not settings.background or self.history_tokens > settings.hard_threshold
        ):  # in the foreground the agent has waited since the start
            since = time.perf_counter() if settings.background else self._pending.start
            self._finish(self._pending, *_outcome(self._pending.future, since))

    def _start(self, step: int) -> _Compaction:
        assert self.history is not None
        settings = self.config
        state = HistoryState(self.task, self.summary, list(self.turns), list(self.all_turns),
                             settings.keep_last, settings.history_threshold_tokens)  # fmt: skip
        job = _Compaction(step, len(self.turns), self.history_tokens, time.perf_counter())
        if settings.background:
            job.future = self._worker().submit(_timed, self.history.compact, state)
        else:
            job.future.set_result(_timed(self.history.compact, state))
        return job

    def _finish(
        self, job: _Compaction, outcome: Compacted | Exception, ended: float, waited: float,
        splice: bool = True,
    ) -> None:  # fmt: skip
        """Record a compaction that has ended and, when `splice`, put its history in place
        of the turns it was given; turns added since it started stay raw after it."""
        assert self.history is not None
        self._pending = None
        wall = ended - job.start
        if isinstance(outcome, Exception):
            if not isinstance(outcome, CompressionError | LLMCallError):
                raise outcome
            _raise_unless_the_methods(outcome)
            self._failed("history", self.history.name, job.step, job.before, wall, waited, outcome)
            return
        if outcome.detail.get("skipped"):
            return
        since = self.turns[job.turns :]
        if splice:
            # a kept turn the strategy left as it was takes its current form (an
            # observation compressed in the background since the snapshot)
            current, raw = {t.index: t for t in self.turns}, {t.index: t for t in self.all_turns}
            kept = [current.get(t.index, t) if t == raw.get(t.index) else t for t in outcome.turns]
            self._apply(dataclasses.replace(outcome, turns=[*kept, *since]))
        payload = {
            "summary": outcome.summary,
            "kept_turns": [t.index for t in outcome.turns],
            "detail": outcome.detail,
        }
        if self.config.background:
            payload["background"] = {
                "spliced": splice,
                "at_step": self.turns[-1].index if self.turns else job.step,
                "turns_added_meanwhile": [t.index for t in since],
            }
        after = self.history_tokens if splice else job.before
        self._succeeded(
            "history", self.history.name, job.step, job.before, after, wall, waited,
            outcome.call, payload,
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
        wall: float,
        waited: float,
        call: ChatResult | None,
        payload: dict[str, Any],
    ) -> None:
        if call is not None and call.cache_hit:
            wall, waited = _as_live(wall, waited, call.latency_s)
            self.record.replayed_s += waited
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
            latency_s=call.latency_s if call else wall,
            cost_usd=call.cost_usd if call else 0.0,
            wall_s=wall,
            waited_s=waited,
        )
        self.record.compressions.append(entry)
        if call is not None:  # the exact exchange, a distilled compressor's training pair
            payload = {**payload, "request": call.messages, "reply": call.text}
        self.writer.event("compression", **vars(entry), **payload)

    def _failed(
        self, kind: str, strategy: str, step: int, before: int, wall: float, waited: float,
        exc: Exception,
    ) -> None:  # fmt: skip
        log.warning("%s compression (%s) failed at step %d: %s", kind, strategy, step, exc)
        entry = CompressorCall(
            kind=kind,
            step=step,
            strategy=strategy,
            ok=False,
            in_tokens=before,
            out_tokens=before,
            latency_s=wall,
            error=str(exc),
            wall_s=wall,
            waited_s=waited,
        )
        self.record.compressions.append(entry)
        self.writer.event("compression", **vars(entry))


def facts_message(facts: list[str]) -> dict[str, str]:
    """How the FactSet stands in the agent's context, after the task."""
    return {"role": "user", "content": "Findings so far:\n" + "\n".join(f"- {f}" for f in facts)}


def _raise_unless_the_methods(exc: Exception) -> None:
    """A compressor's unusable reply or overflowing input is the method's failure; any
    other call failure (endpoint down, refused request) is infrastructure: re-raise it."""
    if isinstance(exc, LLMCallError) and exc.kind != "context_overflow":
        raise exc


@dataclass
class _Compaction:
    """A history compaction under way: where it started (the step, how many turns the
    context held, its tokens, the clock) and its outcome to come."""

    step: int
    turns: int
    before: int
    start: float
    future: Future = field(default_factory=Future)


@dataclass
class _Observed:
    """An observation compression under way: its step, action and raw observation."""

    step: int
    action: str
    observation: str
    start: float
    future: Future = field(default_factory=Future)


def _timed(strategy_call: Any, *args: Any) -> tuple[Any, float]:
    """The strategy's result, or what it raised, and when it ended (perf_counter)."""
    try:
        return strategy_call(*args), time.perf_counter()
    except Exception as exc:  # handed to the agent's thread, which decides (_finish)
        return exc, time.perf_counter()


def _as_live(wall: float, waited: float, live_s: float) -> tuple[float, float]:
    """A compression whose reply came from the response cache, timed as the live call: the
    recorded live latency added to its wall and, where the agent waited for it, to its wait
    (at most the wall). In the foreground that is the live figure; in the background how
    long a live agent would have waited depends on the live timing, and this is a guess."""
    wall += live_s
    return wall, min(wall, waited + live_s) if waited > 0 else 0.0


def _outcome(future: Future, waited_from: float | None) -> tuple[Any, float, float]:
    """(result, when it ended, how long the agent waited for it from `waited_from`)."""
    outcome, ended = future.result()
    waited = 0.0 if waited_from is None else max(0.0, time.perf_counter() - waited_from)
    return outcome, ended, waited
