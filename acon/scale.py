"""Rollouts on a Ray cluster (`rollout.backend=ray`).

Each Ray actor holds one environment and one LLM session (its own local servers when a
role is `local://`), and runs tasks it is handed; the driver appends the rows as they come
back. Trajectories are written by the actors into the run folder, so on a multi-node
cluster the run folder must be on storage every node shares. `rollout.ray.address: null`
starts a local Ray instance for the run and stops it afterwards; set it to `auto` or
`ray://host:10001` to use a running cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from acon.environment import Task
from acon.errors import AconError


class RolloutWorker:
    def __init__(self, cfg: dict[str, Any], run_dir: str, index: int):
        from acon.llm import LLMSession
        from acon.rollout import TaskRunner, make_env

        conf = OmegaConf.create(cfg)
        self.llms = LLMSession(conf, Path(run_dir) / "workers" / f"w{index}")
        self.env = make_env(conf, self.llms)
        self.tasks = {t.id: t for t in self.env.tasks(conf.rollout.split)}
        self.runner = TaskRunner(conf, Path(run_dir), self.llms)

    def run(self, task_id: str) -> dict[str, Any]:
        return self.runner(self.env, self.tasks[task_id])

    def close(self) -> None:
        self.env.close()
        self.llms.close()


def ray_rollout(
    cfg: Any, run_dir: Path, tasks: list[Task], keep: Callable[[dict[str, Any]], None]
) -> None:
    try:
        import ray
        from ray.util import ActorPool
    except ImportError as exc:
        raise AconError(
            "rollout.backend=ray needs Ray: pip install -e '.[ray]' (or use rollout.backend=local)."
        ) from exc
    options = cfg.rollout.ray
    started = not ray.is_initialized()
    if started:
        ray.init(address=options.address, num_cpus=options.num_cpus, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)  # fmt: skip
    plain = OmegaConf.to_container(cfg, resolve=True)
    worker = ray.remote(num_cpus=options.cpus_per_worker)(RolloutWorker)
    actors = [worker.remote(plain, str(run_dir), i) for i in range(options.workers)]
    try:
        pool = ActorPool(actors)
        for row in pool.map_unordered(lambda actor, task: actor.run.remote(task.id), tasks):
            keep(row)
    finally:
        ray.get([actor.close.remote() for actor in actors])
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()
