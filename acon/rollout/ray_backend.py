"""`rollout/backend=ray`: tasks on a Ray cluster, `rollout.workers` actors.

Each actor holds one environment and one LLM session (its own local servers when a role
is `local://`), and runs the tasks it is handed; the driver records the rows as they come
back. Trajectories are written by the actors into the run folder, so on a multi-node
cluster the run folder must be on storage every node shares. `address: null` starts a
local Ray instance for the run and stops it afterwards; `auto` or `ray://host:10001`
uses a running cluster.

Never more actors than the cluster can start at once (`rollout.workers` is fitted to its
CPUs, with a warning), and a task goes only to an actor that is up and free: the driver
hands the next task to whichever actor returns one, so no task waits on an actor that
cannot start. Ctrl-C (or SIGTERM) works as on the local backend: no new task starts, the
running ones are waited for and their rows recorded; a second interrupt stops at once.
Each row comes back with the actor's LLM usage since its last one, counted in the run's
ledger: the progress line, the stop rules and the run's usage totals include the actors'
calls.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acon.config.schemas import check_positive, schema
from acon.environment import Environment, Task
from acon.errors import AconError
from acon.llm import LLMSession
from acon.llm.usage import RoleUsage
from acon.rollout.runner import TaskRunner, make_env
from acon.rollout.spec import RolloutSpec
from acon.run_folder import RunFolder
from acon.services import Services

log = logging.getLogger(__name__)
POLL_S = 0.2  # how often the driver looks up from waiting: Ctrl-C stays responsive
CLOSE_S = 30.0  # how long an actor may take to stop its servers before it is killed


@schema("rollout/backend", "ray")
@dataclass
class RayBackendConfig:
    _target_: str = "acon.rollout.ray_backend.RayBackend"
    address: str | None = None  # null: a local Ray instance for this run
    num_cpus: int | None = None  # CPUs of a local instance (null: all)
    cpus_per_worker: float = 1.0

    def __post_init__(self) -> None:
        check_positive("cpus_per_worker", self.cpus_per_worker)


class RolloutWorker:
    """A Ray actor: its own LLM session and environment, writing into the run folder."""

    def __init__(self, spec: RolloutSpec, run_dir: str, index: int):
        folder = RunFolder(run_dir)
        self.llms = LLMSession(spec.models, folder.child("workers", f"w{index}").path)
        services = Services(self.llms, folder)
        self.env = make_env(spec.env, services)
        self.tasks = {t.id: t for t in self.env.tasks(spec.tasks.split)}
        self.runner = TaskRunner(spec, services)
        self.reported: dict[str, RoleUsage] = {}

    def ready(self) -> bool:
        return True

    def run(self, task_id: str) -> tuple[dict[str, Any], dict[str, RoleUsage]]:
        """The task's row, and this actor's LLM usage since its last report."""
        row = self.runner(self.env, self.tasks[task_id])
        now = self.llms.ledger.by_role()
        new = {role: usage.since(self.reported.get(role)) for role, usage in now.items()}
        self.reported = now
        return row, new

    def close(self) -> None:
        self.env.close()
        self.llms.close()


class RayBackend:
    def __init__(self, config: RayBackendConfig, services: Services):
        if services.llms is None or services.run is None:
            raise AconError("The Ray backend needs the run's LLM session and folder (Services).")
        self.config = config
        self.folder, self.ledger = services.run, services.llms.ledger

    def run(
        self,
        spec: RolloutSpec,
        env: Environment,
        tasks: list[Task],
        record: Callable[[dict[str, Any]], None],
    ) -> Iterator[dict[str, Any]]:
        """Run the tasks on the actors; `record(row)` each as it comes back, then yield it."""
        try:
            import ray
        except ImportError as exc:
            raise AconError(
                "rollout/backend=ray needs Ray: pip install -e '.[ray]' (or use the local backend)."
            ) from exc
        c = self.config
        started = not ray.is_initialized()
        if started:
            ray.init(
                address=c.address,
                num_cpus=c.num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        run_dir = str(Path(self.folder.path).resolve())
        worker: Any = ray.remote(num_cpus=c.cpus_per_worker)(RolloutWorker)
        n = self._fitted(ray, spec.run.workers, len(tasks))
        # the spec is resolved (paths and settings are the driver's) and pickles
        actors = [worker.remote(spec, run_dir, i) for i in range(n)]
        todo = deque(tasks)
        starting = {actor.ready.remote(): actor for actor in actors}
        running: dict[Any, Any] = {}  # a task's result ref -> its actor

        def next_task(actor: Any) -> None:
            if todo:
                running[actor.run.remote(todo.popleft().id)] = actor

        try:
            while running or (todo and starting):
                done, _ = ray.wait([*starting, *running], num_returns=1, timeout=POLL_S)
                for ref in done:
                    if ref in starting:
                        ray.get(ref)  # an actor that failed to start raises here
                        next_task(starting.pop(ref))
                        continue
                    row = self._recorded(ray.get(ref), record)
                    next_task(running.pop(ref))
                    yield row
        finally:
            todo.clear()
            self._drain(ray, running, record)
            self._close(ray, actors)
            if started:
                ray.shutdown()

    def _fitted(self, ray: Any, workers: int, tasks: int) -> int:
        """`workers` capped at the actors the cluster's CPUs hold at once (more would
        wait for CPUs that never come) and at the tasks."""
        cpus = float(ray.cluster_resources().get("CPU", 0))
        fits = max(1, math.floor(cpus / self.config.cpus_per_worker + 1e-9))
        if workers > fits:
            log.warning(
                "rollout.workers=%d is more than the Ray cluster can start at once "
                "(%g CPUs, rollout.backend.cpus_per_worker=%g): running %d actors.",
                workers,
                cpus,
                self.config.cpus_per_worker,
                fits,
            )
        return max(1, min(workers, fits, tasks))

    def _recorded(
        self,
        result: tuple[dict[str, Any], dict[str, RoleUsage]],
        record: Callable[[dict[str, Any]], None],
    ) -> dict[str, Any]:
        """Record an actor's row, and count its usage in the run's ledger (the progress
        line and the stop rules read it live)."""
        row, usage = result
        record(row)
        self.ledger.absorb(usage)
        return row

    def _drain(
        self, ray: Any, running: dict[Any, Any], record: Callable[[dict[str, Any]], None]
    ) -> None:
        """After an interrupt or an error: wait for the tasks still running and record their
        rows (a second interrupt stops the wait; they run again on resume)."""
        if running:
            log.warning(
                "Waiting for %d running task(s) to end; their rows are kept "
                "(interrupt again to stop now: they run again on resume).",
                len(running),
            )
        while running:
            done, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
            for ref in done:
                running.pop(ref)
                try:
                    self._recorded(ray.get(ref), record)
                except Exception as exc:  # noqa: BLE001 - its task runs again on resume
                    log.warning("A running task ended without a row: %s", exc)

    @staticmethod
    def _close(ray: Any, actors: list[Any]) -> None:
        """Each actor stops its servers (bounded: one that never started never answers),
        then is killed."""
        try:
            ray.get([actor.close.remote() for actor in actors], timeout=CLOSE_S)
        except Exception as exc:  # noqa: BLE001 - killing them below frees everything
            log.debug("Ray actors did not all close: %s", exc)
        for actor in actors:
            ray.kill(actor)
