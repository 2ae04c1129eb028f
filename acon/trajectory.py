"""The record of one task: every agent call and compressor call, as it happens.

Each task gets a JSONL file of events (`start`, `agent_call`, `action`, `compression`,
`artifact`, `error`, `end`, and last `row`, the task's results row, from which a resume
recovers a task that ended before its row reached `results.jsonl`), appended and flushed
one line at a time, so a crash or Ctrl-C loses nothing.

A task ends in one of two ways. *Finished*: the agent answered, hit the step limit or
overflowed its model's context, and the benchmark scored it (a wrong or missing answer is
a scored failure). *Errored*: infrastructure cut it short (an LLM call that failed after
retries or was refused, an environment or its server that broke, a judge that gave no
verdict, a spent budget); it has no score, and every mean, table and optimizer set
leaves it out until a rerun finishes it.
Agent calls store only the messages new since the previous call and which messages
form the input (`context`), so the file grows linearly with the steps while any
step's full input can be rebuilt (`replay_inputs`). A compressor call keeps its exact
exchange (`request`: the messages sent, `reply`: the raw answer), a distilled
compressor's training pair (acon.distill).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class AgentStep:
    step: int
    in_tokens: int  # cl100k, the whole input
    system_tokens: int  # cl100k, its system prompt
    out_tokens: int  # cl100k, the reply
    provider_in: int = 0
    provider_cached: int = 0
    provider_out: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    cache_hit: bool = False


@dataclass(frozen=True)
class CompressorCall:
    kind: str  # "history" | "observation"
    step: int
    strategy: str
    ok: bool
    in_tokens: int  # cl100k of what was compressed (for history: the whole history)
    out_tokens: int  # cl100k of the result (equal to in_tokens when it failed)
    provider_in: int = 0
    provider_cached: int = 0
    provider_out: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    error: str | None = None
    # seconds from the compaction's start to its result (what an agent that waits for it
    # waits), and how long the agent did wait: the same unless it ran in the background
    wall_s: float = 0.0
    waited_s: float = 0.0


FINISHED, ERRORED = "finished", "errored"
# What a task's events hold; part of the rollout store's key, so a stored rollout written
# before a change (v2: compressor calls keep request and reply; v3: their wall and wait
# times, and offloaded artifacts) is rerun, not reused.
TRAJECTORY_VERSION = 3


@dataclass(frozen=True)
class Failure:
    """Why infrastructure cut a task short. `kind`: an LLM call's (connection, timeout,
    auth, not_found, rate_limit, server, bad_request), or budget, environment, evaluation.
    `stage`: what was running (agent, compressor, environment, evaluation)."""

    stage: str
    kind: str
    message: str
    role: str | None = None


@dataclass
class TaskRecord:
    task_id: str
    difficulty: str | None = None
    steps: list[AgentStep] = field(default_factory=list)
    compressions: list[CompressorCall] = field(default_factory=list)
    format_errors: int = 0
    score: float = 0.0
    success: bool = False
    end_reason: str = "running"  # finish | step_limit | context_overflow | errored
    failure: Failure | None = None
    measures: dict[str, float] = field(default_factory=dict)  # Evaluation.measures
    scenario: str | None = None  # Task.scenario
    # the task's wall-clock seconds, reset to evaluation (the paper's Table 4 latency is
    # its median); on a run replayed from the response cache, as live: the measured time
    # plus the recorded live latency of every replayed call the task waited for
    wall_s: float = 0.0
    replayed_s: float = 0.0  # that recorded live latency

    @property
    def status(self) -> str:
        return ERRORED if self.failure is not None else FINISHED


class TrajectoryWriter:
    """Appends events to `<dir>/<task_id>.jsonl`; `None` path keeps them in memory only."""

    def __init__(self, path: Path | None):
        self.path = path
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("w", encoding="utf-8")

    def event(self, name: str, /, **data: Any) -> None:
        if self._file is not None:
            self._file.write(json.dumps({"event": name, **data}, default=_plain) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return str(value)


def read_events(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def replay_inputs(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The full input messages of every agent call, rebuilt from a task's events."""
    messages: dict[int, dict[str, Any]] = {}
    inputs = []
    for event in events:
        if event["event"] == "agent_call":
            for mid, message in event["new_messages"]:
                messages[mid] = message
            inputs.append([messages[mid] for mid in event["context"]])
    return inputs


CONTEXT_FIELDS = ["task_id", "step", "in_tokens"]  # a row of `context_per_step`


def context_per_step(trajectories: Path) -> list[dict[str, Any]]:
    """The agent's input tokens at every step of every task in a `trajectories/` folder
    (the data of the paper's Figure 2)."""
    rows = []
    for path in sorted(Path(trajectories).glob("*.jsonl")):
        for event in read_events(path):
            if event["event"] == "agent_call":
                rows.append(
                    {"task_id": path.stem, "step": event["step"], "in_tokens": event["in_tokens"]}
                )
    return rows
