"""`rollout/backend=ray`: tasks on a Ray cluster, `rollout.workers` actors.

Each actor holds one environment and one LLM session (its own local servers when a role
is `local://`), and runs the tasks it is handed; the driver records the rows as they come
back. Trajectories are written by the actors into the run folder, so on a multi-node
cluster the run folder must be on storage every node shares. `address: null` starts a
local Ray instance for the run and stops it afterwards; `auto` or `ray://host:10001`
uses a running cluster.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from acon.config.schemas import check_positive, schema
from acon.environment import Environment, Task
from acon.errors import AconError
from acon.llm import LLMSession
from acon.rollout.runner import TaskRunner, make_env
from acon.run_folder import RunFolder
from acon.services import Services


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

    def __init__(self, cfg: Any, run_dir: str, index: int):
        conf = cfg  # resolved by the driver, typed nodes intact (they pickle)
        folder = RunFolder(run_dir)
        self.llms = LLMSession(conf, folder.child("workers", f"w{index}").path)
        services = Services(self.llms, folder)
        self.env = make_env(conf, services)
        self.tasks = {t.id: t for t in self.env.tasks(conf.rollout.split)}
        self.runner = TaskRunner(conf, services)

    def run(self, task_id: str) -> dict[str, Any]:
        return self.runner(self.env, self.tasks[task_id])

    def close(self) -> None:
        self.env.close()
        self.llms.close()


class RayBackend:
    def __init__(self, config: RayBackendConfig, services: Services):
        self.config = config
        self.services = services

    def run(self, cfg: Any, env: Environment, tasks: list[Task],
            record: Callable[[dict[str, Any]], None]) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Run the tasks on the actors; `record(row)` each as it comes back, then yield it."""
        try:
            import ray
            from ray.util import ActorPool
        except ImportError as exc:
            raise AconError(
                "rollout/backend=ray needs Ray: pip install -e '.[ray]' (or use the local backend)."
            ) from exc
        c = self.config
        started = not ray.is_initialized()
        if started:
            ray.init(address=c.address, num_cpus=c.num_cpus, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)  # fmt: skip
        plain = copy.deepcopy(cfg)
        OmegaConf.resolve(plain)  # the actors' paths and settings are the driver's
        run_dir = str(Path(self.services.run.path).resolve())
        worker = ray.remote(num_cpus=c.cpus_per_worker)(RolloutWorker)
        actors = [worker.remote(plain, run_dir, i) for i in range(int(cfg.rollout.workers))]
        try:
            pool = ActorPool(actors)
            for row in pool.map_unordered(lambda actor, task: actor.run.remote(task.id), tasks):
                record(row)
                yield row
        finally:
            ray.get([actor.close.remote() for actor in actors])
            for actor in actors:
                ray.kill(actor)
            if started:
                ray.shutdown()
