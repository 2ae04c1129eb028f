"""Run the agent over a benchmark split with the configured compression, and record it.

Writes into the run folder: `trajectories/<task>.jsonl` (every call, as it happens),
`results.jsonl` (one metrics row per finished task, appended and flushed) and
`summary.csv` / `summary.md` (means overall and per difficulty). Rerunning into the same
folder skips the tasks already in `results.jsonl`, so an interrupted rollout resumes.
"""

from __future__ import annotations

import json
import logging
import time
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


def rollout(cfg: Any, run_dir: Path, llms: Any) -> pd.DataFrame:
    """Run (or finish) the configured rollout; returns the summary table."""
    env = make_env(cfg, llms)
    try:
        return _run(cfg, run_dir, llms, env)
    finally:
        env.close()  # a browser or a server must not outlive the run


def _run(cfg: Any, run_dir: Path, llms: Any, env: Environment) -> pd.DataFrame:
    tasks = select_tasks(env.tasks(cfg.rollout.split), cfg.rollout)
    services = Services(llms=llms, run_dir=run_dir)
    history = build("history", cfg.compression.history, services)
    observation = build("observation", cfg.compression.observation, services)
    agent_cfg = AgentConfig(**cfg.agent)
    ctx_cfg = context_config(cfg)
    client = llms.client("agent")
    results_path = run_dir / "results.jsonl"
    done = finished(results_path)
    rows = [done[t.id] for t in tasks if t.id in done]
    todo = [t for t in tasks if t.id not in done]
    if done:
        log.info("Resuming: %d of %d tasks already finished in %s", len(rows), len(tasks), run_dir)
    start = time.monotonic()
    with results_path.open("a", encoding="utf-8") as results:
        for n, task in enumerate(todo, 1):
            writer = TrajectoryWriter(run_dir / "trajectories" / f"{task.id}.jsonl")
            try:
                record = run_task(
                    env,
                    task,
                    client,
                    agent=agent_cfg,
                    context=ctx_cfg,
                    history=history,
                    observation=observation,
                    writer=writer,
                )
            finally:
                writer.close()
            row = task_metrics(record)
            rows.append(row)
            results.write(json.dumps(row) + "\n")
            results.flush()
            _progress(rows, n, len(todo), start, llms)
    table = summarize(rows)
    table.to_csv(run_dir / "summary.csv")
    (run_dir / "summary.md").write_text(table.to_markdown(floatfmt=".3f") + "\n")
    return table


def _progress(rows: list[dict[str, Any]], n: int, total: int, start: float, llms: Any) -> None:
    elapsed = time.monotonic() - start
    last = rows[-1]
    usage = llms.ledger.total()
    log.info(
        "[%d/%d] %s: score %.2f in %d steps (%s) | mean score %.3f | peak %d tok | "
        "%d LLM calls, %d tokens, $%.4f | ETA %.0f s",
        n, total, last["task_id"], last["score"], last["steps"], last["end_reason"],
        sum(r["score"] for r in rows) / len(rows), last["peak_tokens"], usage.calls,
        usage.prompt_tokens + usage.completion_tokens, usage.cost_usd,
        elapsed / n * (total - n),
    )  # fmt: skip
