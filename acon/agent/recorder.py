"""Every compressor call of a task, recorded once: into the task's record (its metrics) and
its trajectory (with the exact request and reply, a distilled compressor's training pair)."""

from __future__ import annotations

import logging
from typing import Any

from acon.llm.client import ChatResult
from acon.trajectory import CompressorCall, TaskRecord, TrajectoryWriter

log = logging.getLogger(__name__)


class CompressionRecorder:
    def __init__(self, record: TaskRecord, writer: TrajectoryWriter):
        self.record, self.writer = record, writer

    def succeeded(
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
            wall, waited = as_live(wall, waited, call.latency_s)
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
        if call is not None:
            payload = {**payload, "request": call.messages, "reply": call.text}
        self._add(entry, payload)

    def failed(
        self,
        kind: str,
        strategy: str,
        step: int,
        before: int,
        wall: float,
        waited: float,
        exc: Exception,
    ) -> None:
        """The context stays as it was: in and out tokens are the same."""
        log.warning("%s compression (%s) failed at step %d: %s", kind, strategy, step, exc)
        self._add(
            CompressorCall(
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
            ),
            {},
        )

    def _add(self, entry: CompressorCall, payload: dict[str, Any]) -> None:
        self.record.compressions.append(entry)
        self.writer.event("compression", **vars(entry), **payload)


def as_live(wall: float, waited: float, live_s: float) -> tuple[float, float]:
    """A compression whose reply came from the response cache, timed as the live call: the
    recorded live latency added to its wall and, where the agent waited for it, to its wait
    (at most the wall). In the foreground that is the live figure; in the background how
    long a live agent would have waited depends on the live timing, and this is a guess."""
    wall += live_s
    return wall, min(wall, waited + live_s) if waited > 0 else 0.0
