"""Browser timings of the WebVoyager environment on the offline sites (no LLM).

    .venv/bin/python benchmarks/webvoyager_browser.py [repeats, default 3]

Measures: Chromium's start (Playwright launch), one task's reset (fresh context, first
page, first observation), one step (a click plus the new observation), one whole scripted
task (reset, three actions, answer, evaluate), and close.
"""

from __future__ import annotations

import re
import statistics
import sys
import time

from acon.composition import compose
from acon.environment import Action
from acon.rollout import make_env


def element(observation: str, role: str, name: str) -> int:
    match = re.search(rf'\[(\d+)\] {role} "{re.escape(name)}', observation)
    if match is None:
        raise SystemExit(f'no {role} "{name}" in the page:\n{observation}')
    return int(match.group(1))


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    env = make_env(compose(["env=webvoyager_local"]).env)
    task = next(t for t in env.tasks("all") if t.id == "weather-bergen-thursday")
    times: dict[str, list[float]] = {"start": [], "reset": [], "step": [], "task": [], "close": []}
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            env.browser.start()
            times["start"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            prompt = env.reset(task)
            times["reset"].append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            obs = env.step(Action("click", {"id": element(prompt, "link", "Coast region")}))
            times["step"].append(time.perf_counter() - t1)
            obs = env.step(Action("click", {"id": element(obs.observation, "link", "Bergen")}))
            env.step(Action("go_back"))
            env.step(Action("answer", {"text": "11"}))
            assert env.evaluate().success
            times["task"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            env.close()
            times["close"].append(time.perf_counter() - t0)
    finally:
        env.close()
    for name, values in times.items():
        median, low = statistics.median(values), min(values)
        print(f"{name:>6}: median {median:.3f} s  (min {low:.3f}, n={len(values)})")


if __name__ == "__main__":
    main()
