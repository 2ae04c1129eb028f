"""One task at a time: the agent with the configured compression, recorded into the run
folder; and when a run must stop because its failures are not bad luck but an outage."""

from __future__ import annotations

import logging
from typing import Any

from omegaconf import DictConfig

from acon.agent import AgentConfig, run_task
from acon.agent.action_pads import ActionPads
from acon.config.build import build
from acon.environment import EnvConfig, Environment, Task
from acon.errors import AconError
from acon.llm.session import LLMSession
from acon.llm.usage import BudgetExceeded
from acon.metrics import task_metrics
from acon.rollout.spec import RolloutSpec
from acon.run_folder import RunFolder
from acon.services import Services
from acon.trajectory import ERRORED, TrajectoryWriter

ROW_EVENT = "row"  # a trajectory's last event: the results row it produced

log = logging.getLogger(__name__)

# Failures that will hit every task alike: the run stops at the first one.
FATAL_KINDS = ("auth", "not_found", "budget")
LLM_KINDS = ("connection", "timeout", "rate_limit", "server", "bad_request", "llm")


def make_env(env: EnvConfig | DictConfig, services: Services | None = None) -> Environment:
    """The benchmark `env` configures (its schema, or its config node), with the run's
    services."""
    return build(env, services or Services())


class TaskRunner:
    """Runs single tasks with the configured agent and compression; reusable."""

    def __init__(self, spec: RolloutSpec, services: Services):
        if services.llms is None or services.run is None:
            raise AconError("A rollout needs the run's LLM session and folder (Services).")
        self.run: RunFolder = services.run
        self.history = build(spec.strategies["history"], services)
        self.observation = build(spec.strategies["observation"], services)
        self.agent: AgentConfig = spec.agent
        self.client = services.llms.client("agent")
        self.pads = ActionPads.load(self.agent.action_pads, spec.benchmark, spec.tasks.split)
        if self.pads is not None:
            self.pads.write(services.run)

    def __call__(self, env: Environment, task: Task) -> dict[str, Any]:
        writer = TrajectoryWriter(self.run.trajectory(task.id))
        try:
            record = run_task(
                env,
                task,
                self.client,
                agent=self.agent,
                history=self.history,
                observation=self.observation,
                writer=writer,
                artifacts_dir=self.run.artifacts(task.id),
                pads=self.pads,
            )
            row = task_metrics(record)
            # The row itself ends the trajectory: the `end` event lacks the task's scenario,
            # benchmark measures, wall time and format errors, so a task whose process died
            # before its results row is recovered from this (acon.rollout.resume.recover).
            writer.event(ROW_EVENT, **row)
        finally:
            writer.close()
        return row


class RolloutStopped(AconError):
    """The run stopped early: its failures would have hit every task."""


class StopRules:
    """Decides after each task whether the run goes on. A failure stops it at once when it
    will recur for every task (a refused key, an unknown model, a spent budget, or an LLM
    endpoint that has not answered a single call in this run); otherwise
    `max_consecutive` errored tasks in a row stop it."""

    def __init__(self, llms: LLMSession, max_consecutive: int, folder: RunFolder):
        self.llms = llms
        self.max_consecutive = max_consecutive
        self.folder = folder
        self.in_a_row = 0
        self.errored = 0

    def check(self, row: dict[str, Any]) -> None:
        if row.get("status") != ERRORED:
            self.in_a_row = 0
            return
        self.in_a_row += 1
        self.errored += 1
        kind = row.get("error_kind")
        if kind == "budget":  # its own sentence already says what to raise and that it resumes
            raise BudgetExceeded(row["error"])
        fatal = kind in FATAL_KINDS or (kind in LLM_KINDS and self._never_answered(row))
        if fatal or self.in_a_row >= self.max_consecutive:
            why = "" if fatal else f" ({self.in_a_row} tasks in a row errored)"
            raise RolloutStopped(
                f"Stopped the rollout in {self.folder.path}{why}: {row['error']} "
                f"({self.errored} task(s) recorded as errored, not scored; once it is fixed, "
                f"rerun the same command into the same run folder to run them and the rest.)"
            )

    def _never_answered(self, row: dict[str, Any]) -> bool:
        role = row.get("error_role") or "agent"
        usage = self.llms.ledger.by_role().get(role)
        return usage is None or usage.calls == 0
