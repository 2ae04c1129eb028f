"""The agent's context, and where compression fires (the paper's Section 3.1).

After each step, an observation longer than its threshold is compressed before it enters
the history; when the history (everything after the system prompt) passes its threshold,
the history strategy rewrites it, keeping the last `keep_last` turns raw
(`agent.context`). With `agent.context.background` both run on one background thread: the
agent goes on with the raw text and the compressed form is spliced in when ready, unless
the history passes the hard threshold, where the agent waits.

Its parts, one job each: the window of messages and token totals (acon.agent.window), the
compression jobs (acon.agent.jobs), the recorder of compressor calls
(acon.agent.recorder), and for an offloading strategy its artifact store and FactSet
(acon.agent.artifacts). This class is the policy that ties them: when to compress, when
to wait, what to splice.

A compressor that fails in the method's own way (an unusable reply, or an input longer
than its model's window) leaves the context as it was; the failure is recorded and
counted. A compressor endpoint that cannot be reached, refuses the key or the request is
not the method failing: that error ends the task as errored (acon.agent.react).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

from acon.agent.artifacts import ArtifactStore, Offloads, read_max_tokens
from acon.agent.config import ContextConfig
from acon.agent.jobs import Compaction, Jobs, Observed, outcome
from acon.agent.recorder import CompressionRecorder
from acon.agent.window import Window
from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryState,
    HistoryStrategy,
    ObservationStrategy,
    Turn,
)
from acon.llm.client import LLMCallError
from acon.tokens import count_text
from acon.trajectory import TaskRecord, TrajectoryWriter

log = logging.getLogger(__name__)


class AgentContext:
    def __init__(
        self,
        system: str,
        task: str,
        config: ContextConfig,
        history: HistoryStrategy | None = None,
        observation: ObservationStrategy | None = None,
        record: TaskRecord | None = None,
        writer: TrajectoryWriter | None = None,
        artifacts_dir: Path | None = None,
    ):
        self.task, self.config = task, config
        self.history, self.observation = history, observation
        self.record = record if record is not None else TaskRecord(task_id="?")
        self.writer = writer if writer is not None else TrajectoryWriter(None)
        self.window = Window(system, task)
        self.jobs = Jobs(config.background)
        self.recorder = CompressionRecorder(self.record, self.writer)
        self.offloads: Offloads | None = None
        if observation is not None and observation.offloads:
            self.offloads = Offloads(artifacts_dir, read_max_tokens(observation))
        self._pending: Compaction | None = None  # a history compaction not yet spliced in
        self._observing: list[Observed] = []  # background observation compressions

    # -- what the agent reads --------------------------------------------------------------

    def messages(self) -> list[dict[str, str]]:
        return self.window.messages()

    @property
    def tokens(self) -> int:
        return self.window.tokens

    @property
    def history_tokens(self) -> int:
        return self.window.history_tokens

    @property
    def system_tokens(self) -> int:
        return self.window.system_tokens

    @property
    def summary(self) -> str | None:
        return self.window.summary

    @property
    def turns(self) -> list[Turn]:
        return self.window.turns

    @property
    def all_turns(self) -> list[Turn]:
        return self.window.all_turns

    @property
    def artifacts(self) -> ArtifactStore | None:
        return self.offloads.store if self.offloads is not None else None

    @property
    def facts(self) -> list[str]:
        return self.offloads.facts if self.offloads is not None else []

    # -- a step ------------------------------------------------------------------------------

    def add(self, step: int, action: str, observation: str, compress: bool = True) -> Turn:
        """Record one step; compress the observation (unless not to: an artifact read
        back), then the history, as configured. In the background an observation enters
        raw and its compressed form replaces it when ready (if its turn is still there)."""
        if (
            compress
            and self.observation is not None
            and count_text(observation) > self.config.observation_threshold_tokens
        ):
            job = Observed(step, action, observation, time.perf_counter())
            self.jobs.start(job, self.observation.compress, observation, self.task, action)
            if self.config.background:
                self._observing.append(job)
            else:
                observation = self._observed(job, *outcome(job.future, job.start))
        turn = Turn.make(step, action, observation)
        self.window.append(turn)
        self._settle_observations()
        if self.history is not None:
            self._compact_history(step)
        return turn

    def close(self) -> None:
        """The task is over: background compressions still running are waited for and
        recorded (their cost counts) but not spliced into a context no one reads."""
        jobs, self._observing = self._observing, []
        for observed in jobs:
            result, ended, _ = outcome(observed.future, None)
            try:
                self._observed(observed, result, ended, 0.0, splice=False)
            except LLMCallError as exc:  # the answer is in; an outage now changes nothing
                assert self.observation is not None
                before, wall = count_text(observed.observation), ended - observed.start
                self._ended_with(
                    exc, "observation", self.observation.name, observed.step, before, wall
                )
        job, self._pending = self._pending, None
        if job is not None:
            result, ended, _ = outcome(job.future, waited_from=None)
            try:
                self._finish(job, result, ended, 0.0, splice=False)
            except LLMCallError as exc:
                assert self.history is not None
                self._ended_with(
                    exc, "history", self.history.name, job.step, job.before, ended - job.start
                )
        self.jobs.close()

    def _ended_with(
        self, exc: Exception, kind: str, strategy: str, step: int, before: int, wall: float
    ) -> None:
        """A background compression that failed after the task ended: recorded, not raised."""
        log.warning("background %s compression failed after the task ended: %s", kind, exc)
        self.recorder.failed(kind, strategy, step, before, wall, 0.0, exc)

    # -- observations ------------------------------------------------------------------------

    def _settle_observations(self) -> None:
        """Splice in the background observation compressions that are done; past the hard
        threshold, wait for all of them."""
        wait = self.history_tokens > self.config.hard_threshold
        since = time.perf_counter()
        for job in list(self._observing):
            if wait or job.future.done():
                self._observing.remove(job)
                self._observed(job, *outcome(job.future, since if wait else None))

    def _observed(
        self, job: Observed, result: Any, ended: float, waited: float, splice: bool = True
    ) -> str:
        """Record an observation compression that has ended; return the text the context
        gets. In the background, its turn (if still in the context) takes that text."""
        assert self.observation is not None
        name, before, wall = self.observation.name, count_text(job.observation), ended - job.start
        if isinstance(result, Exception):
            if not isinstance(result, CompressionError | LLMCallError):
                raise result
            _raise_unless_the_methods(result)
            self.recorder.failed("observation", name, job.step, before, wall, waited, result)
            return job.observation
        text = (
            self._offload(job.step, job.observation, result) if result.offloaded else (result.text)
        )
        spliced = (
            splice and self.config.background and self.window.replace_observation(job.step, text)
        )
        payload: dict[str, Any] = {"input": job.observation, "output": text}
        if self.config.background:
            payload["background"] = {"spliced": spliced}
        self.recorder.succeeded(
            "observation",
            name,
            job.step,
            before,
            count_text(text),
            wall,
            waited,
            result.call,
            payload,
        )
        return text

    def _offload(self, step: int, observation: str, result: CompressedObservation) -> str:
        """Store the raw observation (and record it whole), keep its findings in the
        FactSet; the handle and gist are what the context gets."""
        assert self.offloads is not None
        artifact, text, grew = self.offloads.put(observation, result.text, result.facts)
        self.writer.event(
            "artifact",
            step=step,
            id=artifact.id,
            tokens=artifact.tokens,
            text=artifact.text,
            facts=list(result.facts),
        )
        if grew:
            self.window.show_facts(self.offloads.facts)
        return text

    # -- the history -------------------------------------------------------------------------

    def _compact_history(self, step: int) -> None:
        """Splice a finished background compaction in; start one past the (soft) threshold;
        wait for it when it runs in the foreground or the hard threshold is passed."""
        settings = self.config
        if self._pending is not None and self._pending.future.done():
            self._finish(self._pending, *outcome(self._pending.future, waited_from=None))
        if self._pending is None and self.history_tokens > settings.history_threshold_tokens:
            self._pending = self._start(step)
        if self._pending is not None and (
            not settings.background or self.history_tokens > settings.hard_threshold
        ):  # in the foreground the agent has waited since the start
            since = time.perf_counter() if settings.background else self._pending.start
            self._finish(self._pending, *outcome(self._pending.future, since))

    def _start(self, step: int) -> Compaction:
        assert self.history is not None
        w, settings = self.window, self.config
        state = HistoryState(
            self.task,
            w.summary,
            list(w.turns),
            list(w.all_turns),
            settings.keep_last,
            settings.history_threshold_tokens,
        )
        job = Compaction(step, len(w.turns), self.history_tokens, time.perf_counter())
        self.jobs.start(job, self.history.compact, state)
        return job

    def _finish(
        self,
        job: Compaction,
        result: Compacted | Exception,
        ended: float,
        waited: float,
        splice: bool = True,
    ) -> None:
        """Record a compaction that has ended and, when `splice`, put its history in place
        of the turns it was given; turns added since it started stay raw after it."""
        assert self.history is not None
        self._pending = None
        wall = ended - job.start
        if isinstance(result, Exception):
            if not isinstance(result, CompressionError | LLMCallError):
                raise result
            _raise_unless_the_methods(result)
            self.recorder.failed(
                "history", self.history.name, job.step, job.before, wall, waited, result
            )
            return
        if result.detail.get("skipped"):
            return
        w = self.window
        since = w.turns[job.turns :]
        if splice:
            # a kept turn the strategy left as it was takes its current form (an
            # observation compressed in the background since the snapshot)
            current, raw = {t.index: t for t in w.turns}, {t.index: t for t in w.all_turns}
            kept = [current.get(t.index, t) if t == raw.get(t.index) else t for t in result.turns]
            w.apply(dataclasses.replace(result, turns=[*kept, *since]))
        payload = {
            "summary": result.summary,
            "kept_turns": [t.index for t in result.turns],
            "detail": result.detail,
        }
        if self.config.background:
            payload["background"] = {
                "spliced": splice,
                "at_step": w.turns[-1].index if w.turns else job.step,
                "turns_added_meanwhile": [t.index for t in since],
            }
        after = self.history_tokens if splice else job.before
        self.recorder.succeeded(
            "history",
            self.history.name,
            job.step,
            job.before,
            after,
            wall,
            waited,
            result.call,
            payload,
        )


def _raise_unless_the_methods(exc: Exception) -> None:
    """A compressor's unusable reply or overflowing input is the method's failure; any
    other call failure (endpoint down, refused request) is infrastructure: re-raise it."""
    if isinstance(exc, LLMCallError) and exc.kind != "context_overflow":
        raise exc
