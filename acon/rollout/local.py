"""`rollout/backend=local`: tasks on this machine, `rollout.workers` at a time on threads
(one environment each; the LLM layer is thread-safe and limits concurrency per role).

Each task's row is recorded by the thread that ran it, the moment the task ends, so an
interrupted run (Ctrl-C, SIGTERM) keeps every finished task whatever the main thread was
doing. On an interrupt no new task starts and the running ones are waited for (their
rows are kept too); a second interrupt stops at once, leaving those to the next resume.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from acon.config.schemas import schema
from acon.environment import Environment, Task
from acon.rollout.runner import TaskRunner, make_env
from acon.rollout.spec import RolloutSpec
from acon.services import Services

log = logging.getLogger(__name__)
Record = Callable[[dict[str, Any]], None]


@schema("rollout/backend", "local")
@dataclass
class LocalBackendConfig:
    _target_: str = "acon.rollout.local.LocalBackend"


class LocalBackend:
    def __init__(self, config: LocalBackendConfig, services: Services):
        self.services = services

    def run(
        self, spec: RolloutSpec, env: Environment, tasks: list[Task], record: Record
    ) -> Iterator[dict[str, Any]]:
        """Run the tasks, `record(row)` each as it ends, and yield the recorded rows.
        Closing the iterator early (the run stops) starts no further task and waits for
        those running."""
        runner = TaskRunner(spec, self.services)
        workers = min(spec.run.workers, max(1, len(tasks)))
        if workers == 1:
            for task in tasks:
                row = runner(env, task)
                record(row)
                yield row
            return
        # One environment per thread: environments keep per-episode state.
        envs = [env, *(make_env(spec.env, self.services) for _ in range(workers - 1))]
        todo: queue.SimpleQueue[Task] = queue.SimpleQueue()
        for task in tasks:
            todo.put(task)
        out: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        stop = threading.Event()

        def work(own: Environment) -> None:
            try:
                while not stop.is_set():
                    try:
                        task = todo.get_nowait()
                    except queue.Empty:
                        return
                    row = runner(own, task)
                    record(row)  # here, not in the main thread: an interrupt cannot drop it
                    out.put(("row", row))
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                out.put(("error", exc))
            finally:
                out.put(("exit", None))

        # daemon threads: a second interrupt need not wait for the tasks still running
        threads = [
            threading.Thread(target=work, args=(own,), name=f"rollout-{i}", daemon=True)
            for i, own in enumerate(envs)
        ]
        for thread in threads:
            thread.start()
        try:
            alive = len(threads)
            while alive:
                try:
                    kind, value = out.get(timeout=0.2)  # a timeout keeps Ctrl-C responsive
                except queue.Empty:
                    continue
                if kind == "exit":
                    alive -= 1
                elif kind == "error":
                    raise value
                else:
                    yield value
        finally:
            stop.set()
            running = [t for t in threads if t.is_alive()]
            if running:
                log.warning(
                    "Waiting for %d running task(s) to end; their rows are kept "
                    "(interrupt again to stop now: they run again on resume).",
                    len(running),
                )
                for thread in running:
                    thread.join()
            for own in envs[1:]:
                own.close()
