"""The harness's own time per agent step, LLM time excluded (scripted replies).

    .venv/bin/python benchmarks/agent_step_overhead.py

Runs the ReAct loop on the built-in facts environment with long observations (about
1,000 cl100k tokens each) for 10, 50 and 200 steps, with no compression (the history
grows to ~200k tokens), FIFO, and the Acon guideline strategy (its compressor scripted
too), writing trajectories to disk as a real run does. Target: under 5 ms per step at
200 steps, i.e. token counting and bookkeeping must not grow with the history.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from acon.agent import AgentConfig, ContextConfig, run_task
from acon.compression.fifo import Fifo, FifoConfig
from acon.compression.summary import GuidelineHistory, GuidelineHistoryConfig
from acon.environment import StepResult
from acon.llm.scripted import ScriptedClient
from acon.services import Services
from acon.tokens import count_text
from acon.trajectory import TrajectoryWriter
from environments.facts.config import FactsConfig
from environments.facts.env import FactsEnv


class UniqueFactsEnv(FactsEnv):
    """Every observation distinct (a visit counter), so no token count is memoized."""

    visits = 0

    def step(self, action):
        result = super().step(action)
        self.visits += 1
        return StepResult(f"{result.observation}\n(visit {self.visits})", result.done)


SETTINGS = FactsConfig(seed=0, n_tasks=1, filler_lines=28)
ENV = UniqueFactsEnv(SETTINGS)
PERSON = sorted(ENV.directory)[0]
LOOKUP = {"thought": "look", "action": {"name": "lookup", "arguments": {"name": PERSON}}}


class ScriptedLLMs:
    def __init__(self) -> None:
        reply = {"reasoning": "r", "summary": "Variables: none yet. To-do: keep looking."}
        self.compressor = ScriptedClient(lambda messages, params: reply)

    def client(self, role: str) -> ScriptedClient:
        return self.compressor


def strategies() -> dict[str, object]:
    return {
        "none": None,
        "fifo": Fifo(FifoConfig(keep_turns=5)),
        "guideline": GuidelineHistory(GuidelineHistoryConfig(), Services(llms=ScriptedLLMs())),
    }


def run(steps: int, history: object, folder: Path) -> float:
    env = UniqueFactsEnv(SETTINGS)
    task = env.tasks("test")[0]
    client = ScriptedClient(lambda messages, params: LOOKUP)
    writer = TrajectoryWriter(folder / f"{steps}.jsonl")
    start = time.perf_counter()
    record = run_task(
        env,
        task,
        client,
        history=history,
        writer=writer,
        agent=AgentConfig(max_steps=steps, context=ContextConfig(history_threshold_tokens=4096)),
    )
    elapsed = time.perf_counter() - start
    writer.close()
    assert len(record.steps) == steps
    return elapsed / steps * 1000


def main() -> None:
    print(f"observation size: {count_text(ENV.page(PERSON))} cl100k tokens")
    print("| history strategy | ms/step at 10 steps | at 50 | at 200 |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in strategies():
            cells = []
            for steps in (10, 50, 200):
                # fresh strategy objects and a cold token-count cache for each run
                count_text.cache_clear()
                runs = [run(steps, strategies()[name], Path(tmp)) for _ in range(3)]
                cells.append(f"{statistics.median(runs):.2f}")
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
