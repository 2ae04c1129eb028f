"""Start-up: wall time of `acon-rollout --help`, and of a one-task rollout against an
instant scripted endpoint (the facts benchmark, the tests' scripted agent behind FakeOpenAI
on 127.0.0.1), each the installed command run as a fresh process, `--repeats` times.

    .venv/bin/python benchmarks/startup.py [--repeats 5]

The rollout is timed with tracking off and with the default local MLflow store (a SQLite
file, made by one untimed run first: a new store's tables are created once). Prints the
median and the range of each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support

from acon.llm.fake_server import FakeOpenAI  # noqa: E402
from tests.support import scripted_overrides  # noqa: E402
from tests.support.brain import brain  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "acon-rollout")


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([COMMAND, *args], cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"acon-rollout {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    times: dict[str, list[float]] = {
        "acon-rollout --help": [],
        "one task, tracking=off": [],
        "one task, local MLflow store": [],
    }
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(default=brain) as fake:
        work = Path(tmp)
        store = [
            f"tracking.uri=sqlite:///{work}/mlflow.db",
            f"tracking.artifacts_dir={work}/artifacts",
        ]
        timed(
            [
                *scripted_overrides(fake, work / "made"),
                "rollout.limit=1",
                *store,
                f"hydra.run.dir={work}/made",
            ],
            work,
        )
        for i in range(repeats):
            times["acon-rollout --help"].append(timed(["--help"], work))
            common = [*scripted_overrides(fake, work / str(i)), "rollout.limit=1"]
            off = [*common, "tracking=off", f"hydra.run.dir={work}/off-{i}"]
            times["one task, tracking=off"].append(timed(off, work))
            times["one task, local MLflow store"].append(
                timed([*common, *store, f"hydra.run.dir={work}/on-{i}"], work)
            )
    for what, took in times.items():
        print(
            f"{what}: median {statistics.median(took):.2f} s "
            f"(min {min(took):.2f}, max {max(took):.2f}, n={len(took)})"
        )


if __name__ == "__main__":
    main()
