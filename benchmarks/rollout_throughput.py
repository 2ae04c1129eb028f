"""Tasks per minute at 1, 2 and 4 rollout workers, against the local model and against an
instant scripted endpoint.

    .venv/bin/python benchmarks/rollout_throughput.py [local|scripted] [--tasks N] [--workers 1,2,4]

- local: the main job's tasks (`+experiment=quickstart`: 8-objective QA cut to the
  quickstart's questions per task) with the 1.5B model as the agent and no compression
  (the agent's server alone), the llama.cpp server
  started with `llm.server.parallel` = workers slots (continuous batching) and the
  client allowed as many requests at once. The response cache is off.
- scripted: the built-in facts benchmark with the scripted agent of the tests
  (tests/support/brain.py) behind FakeOpenAI on 127.0.0.1. Replies are instant by default,
  so this measures the harness itself: its threads and the stand-in share one interpreter
  and two cores. `--latency-ms` makes each reply wait, as a hosted API's do, which is what
  workers overlap.

Each setting runs the same tasks in a fresh folder; the clock starts after the server is
up and one warm-up request, and stops when the last task is written.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support

from acon.composition import compose  # noqa: E402
from acon.errors import AconError  # noqa: E402
from acon.llm import LLMSession, ModelSettings  # noqa: E402
from acon.llm.fake_server import FakeOpenAI  # noqa: E402
from acon.rollout import RolloutSpec, rollout  # noqa: E402
from acon.run_folder import RunFolder  # noqa: E402
from tests.support.brain import brain  # noqa: E402


def overrides(target: str, workers: int, tasks: int, base_url: str | None) -> list[str]:
    common = [
        f"rollout.workers={workers}",
        f"rollout.limit={tasks}",
        "llm.cache.enabled=false",
        "tracking=off",
        "rollout.split=train",
    ]
    if target == "local":
        model = "qwen2.5-coder-1.5b"
        return [
            "+experiment=quickstart",
            "compression/history=none",
            f"llm.agent.base_url=local://{model}",
            f"llm.agent.model={model}",
            f"llm.server.parallel={workers}",
            *common,
        ]
    return [
        f"llm.common.base_url={base_url}",
        "llm.common.model=scripted",
        "llm.common.max_concurrency=8",
        "env.n_tasks=200",
        *common,
    ]


def measure(target: str, workers: int, tasks: int, base_url: str | None) -> tuple[float, float]:
    """(seconds, mean score) for `tasks` tasks at `workers` workers."""
    cfg = compose(overrides(target, workers, tasks, base_url))
    with tempfile.TemporaryDirectory() as tmp, LLMSession(ModelSettings.of(cfg), tmp) as llms:
        if target == "local":  # the server starts and loads the model off the clock
            llms.client("agent").chat([{"role": "user", "content": "warm up"}], max_tokens=4)
        start = time.perf_counter()
        result = rollout(RolloutSpec.of(cfg), RunFolder(Path(tmp) / "run"), llms)
        elapsed = time.perf_counter() - start
    return elapsed, float(result.table.loc["all", "score"])


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for quiet in ("httpx", "httpx2"):  # one line per request would drown the progress
        logging.getLogger(quiet).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("target", choices=["local", "scripted"])
    parser.add_argument("--tasks", type=int, default=None, help="default: 8 local, 60 scripted")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="scripted: each reply waits this long, as a hosted API does",
    )
    args = parser.parse_args()
    tasks = args.tasks or (8 if args.target == "local" else 60)
    counts = [int(w) for w in args.workers.split(",")]
    rows = []
    if args.target == "scripted":
        delay = args.latency_ms / 1000

        def reply(body: dict) -> str:
            time.sleep(delay)
            return brain(body)

        with FakeOpenAI(default=reply) as fake:
            rows = [(w, *measure("scripted", w, tasks, fake.base_url)) for w in counts]
    else:
        rows = [(w, *measure("local", w, tasks, None)) for w in counts]
    latency = f", {args.latency_ms:g} ms per reply" if args.target == "scripted" else ""
    print(f"\n{args.target}: {tasks} tasks per setting, {os.cpu_count()} CPUs{latency}")
    print("| workers | seconds | tasks/min | speed-up | mean score |")
    print("|---:|---:|---:|---:|---:|")
    base = rows[0][1]
    for w, seconds, score in rows:
        print(
            f"| {w} | {seconds:.1f} | {tasks / seconds * 60:.2f} | {base / seconds:.2f}x "
            f"| {score:.3f} |"
        )


if __name__ == "__main__":
    try:
        main()
    except AconError as exc:  # a wrong override: one sentence, exit 2
        print(exc, file=sys.stderr)
        sys.exit(2)
