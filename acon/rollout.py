"""Run the agent over a benchmark split with the configured compression, and record it.

Writes into the run folder: `trajectories/<task>.jsonl` (every call, as it happens),
`results.jsonl` (one metrics row per finished task, appended and flushed) and
`summary.csv` / `summary.md` (means overall and per difficulty). Rerunning into the same
folder skips the tasks already in `results.jsonl`, so an interrupted rollout resumes.

Tasks run one at a time, on `rollout.workers` threads (one environment each; the LLM
layer is thread-safe and limits concurrency per role), or on a Ray cluster
(`rollout.backend=ray`, see acon/scale.py).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.utils import instantiate

from acon.agent import AgentConfig, ContextConfig, run_task
from acon.compression import Services, build
from acon.environment import Environment, Task
from acon.errors import AconError
from acon.metrics import summarize, task_metrics
from acon.trajectory import TrajectoryWriter

log = logging.getLogger(__name__)


def make_env(cfg: Any, llms: Any = None) -> Environment:
    env = instantiate(cfg.env, _convert_="all")
    # An environment scored by an LLM (WebVoyager's judge) takes the run's LLM layer.
    bind = getattr(env, "bind_llms", None)
    if llms is not None and callable(bind):
        bind(llms)
    return env


def select_tasks(tasks: list[Task], rollout: Any) -> list[Task]:
    if rollout.get("task_ids"):
        wanted = list(rollout.task_ids)
        by_id = {t.id: t for t in tasks}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise AconError(f"Unknown task id(s) {', '.join(missing)}: fix rollout.task_ids.")
        return [by_id[i] for i in wanted]
    return tasks[: rollout.limit] if rollout.get("limit") else tasks


def context_config(cfg: Any) -> ContextConfig:
    history, observation = cfg.compression.history, cfg.compression.observation
    return ContextConfig(
        history_threshold=int(history.get("threshold_tokens", 4096)),
        keep_last=int(history.get("keep_last", 1)),
        observation_threshold=int(observation.get("threshold_tokens", 1024)),
    )


def finished(results: Path) -> dict[str, dict[str, Any]]:
    if not results.exists():
        return {}
    with results.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {row["task_id"]: row for row in rows}


class TaskRunner:
    """Runs single tasks with the configured agent and compression; reusable."""

    def __init__(self, cfg: Any, run_dir: Path, llms: Any):
        services = Services(llms=llms, run_dir=run_dir)
        self.history = build("history", cfg.compression.history, services)
        self.observation = build("observation", cfg.compression.observation, services)
        self.agent = AgentConfig(**cfg.agent)
        self.context = context_config(cfg)
        self.client = llms.client("agent")
        self.run_dir = run_dir

    def __call__(self, env: Environment, task: Task) -> dict[str, Any]:
        writer = TrajectoryWriter(self.run_dir / "trajectories" / f"{task.id}.jsonl")
        try:
            record = run_task(env, task, self.client, agent=self.agent, context=self.context,
                              history=self.history, observation=self.observation,
                              writer=writer)  # fmt: skip
        finally:
            writer.close()
        return task_metrics(record)


def rollout(cfg: Any, run_dir: Path, llms: Any) -> pd.DataFrame:
    """Run (or finish) the configured rollout; returns the summary table."""
    env = make_env(cfg, llms)
    try:
        return _run(cfg, run_dir, llms, env)
    finally:
        env.close()  # a browser or a server must not outlive the run


def _run(cfg: Any, run_dir: Path, llms: Any, env: Environment) -> pd.DataFrame:
    tasks = select_tasks(env.tasks(cfg.rollout.split), cfg.rollout)
    run_dir.mkdir(parents=True, exist_ok=True)
    results_path = run_dir / "results.jsonl"
    done = finished(results_path)
    rows = [done[t.id] for t in tasks if t.id in done]
    todo = [t for t in tasks if t.id not in done]
    if done:
        log.info("Resuming: %d of %d tasks already finished in %s", len(rows), len(tasks), run_dir)
    start, lock = time.monotonic(), threading.Lock()
    with results_path.open("a", encoding="utf-8") as results:

        def keep(row: dict[str, Any]) -> None:
            with lock:
                rows.append(row)
                results.write(json.dumps(row) + "\n")
                results.flush()
                _progress(rows, len(rows) - (len(tasks) - len(todo)), len(todo), start, llms)

        backend = cfg.rollout.get("backend", "local")
        if backend == "ray":
            from acon.scale import ray_rollout

            ray_rollout(cfg, run_dir, todo, keep)
        elif backend == "local":
            _local(cfg, run_dir, llms, env, todo, keep)
        else:
            raise AconError(f"rollout.backend={backend!r} is not valid: use local or ray.")
    table = summarize(rows)
    table.to_csv(run_dir / "summary.csv")
    (run_dir / "summary.md").write_text(table.to_markdown(floatfmt=".3f") + "\n")
    return table


def _local(cfg: Any, run_dir: Path, llms: Any, env: Environment, todo: list[Task],
           keep: Any) -> None:  # fmt: skip
    runner = TaskRunner(cfg, run_dir, llms)
    workers = max(1, int(cfg.rollout.get("workers", 1)))
    if workers == 1:
        for task in todo:
            keep(runner(env, task))
        return
    # One environment per thread: environments keep per-episode state.
    envs: queue.Queue[Environment] = queue.Queue()
    envs.put(env)
    for _ in range(workers - 1):
        envs.put(make_env(cfg, llms))

    def one(task: Task) -> None:
        own = envs.get()
        try:
            keep(runner(own, task))
        finally:
            envs.put(own)

    with ThreadPoolExecutor(workers, thread_name_prefix="rollout") as pool:
        for future in [pool.submit(one, task) for task in todo]:
            future.result()
    while not envs.empty():
        extra = envs.get()
        if extra is not env:
            extra.close()


def _progress(rows: list[dict[str, Any]], n: int, total: int, start: float, llms: Any) -> None:
    elapsed = time.monotonic() - start
    last = rows[-1]
    n = max(n, 1)
    usage = llms.ledger.total()
    log.info(
        "[%d/%d] %s: score %.2f in %d steps (%s) | mean score %.3f | peak %d tok | "
        "%d LLM calls, %d tokens, $%.4f | ETA %.0f s",
        n, total, last["task_id"], last["score"], last["steps"], last["end_reason"],
        sum(r["score"] for r in rows) / len(rows), last["peak_tokens"], usage.calls,
        usage.prompt_tokens + usage.completion_tokens, usage.cost_usd,
        elapsed / n * (total - n),
    )  # fmt: skip
