"""`rollout/backend=local`: tasks on this machine, `rollout.workers` at a time on threads
(one environment each; the LLM layer is thread-safe and limits concurrency per role)."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from acon.config.schemas import schema
from acon.environment import Environment, Task
from acon.rollout.runner import TaskRunner, make_env
from acon.services import Services


@schema("rollout/backend", "local")
@dataclass
class LocalBackendConfig:
    _target_: str = "acon.rollout.local.LocalBackend"


class LocalBackend:
    def __init__(self, config: LocalBackendConfig, services: Services):
        self.services = services

    def run(self, cfg: Any, env: Environment, tasks: list[Task]) -> Iterator[dict[str, Any]]:
        """Each task's row as it finishes. Closing the iterator early (the run stops)
        cancels the tasks not started and waits for those running."""
        runner = TaskRunner(cfg, self.services)
        workers = min(max(1, int(cfg.rollout.workers)), max(1, len(tasks)))
        if workers == 1:
            for task in tasks:
                yield runner(env, task)
            return
        # One environment per thread: environments keep per-episode state.
        envs: queue.Queue[Environment] = queue.Queue()
        envs.put(env)
        extra = [make_env(cfg, self.services) for _ in range(workers - 1)]
        for own in extra:
            envs.put(own)

        def one(task: Task) -> dict[str, Any]:
            own = envs.get()
            try:
                return runner(own, task)
            finally:
                envs.put(own)

        pool = ThreadPoolExecutor(workers, thread_name_prefix="rollout")
        try:
            pending: set[Future[dict[str, Any]]] = {pool.submit(one, t) for t in tasks}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for own in extra:
                own.close()
