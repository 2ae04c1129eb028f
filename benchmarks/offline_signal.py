"""Does a setting give the optimizer something to learn? One table row per setting.

    .venv/bin/python benchmarks/offline_signal.py --tasks 8 [hydra overrides...]

Rolls the training split out twice with the given overrides, without compression and with
the history compressed by the optimizer's start (`optimizer.start`, by default the
paper's Prompting guideline), and prints
what the method needs from a setting (issue #13): the uncompressed agent's success rate
(aim: 30% or more), how often compression fires per task, the contrastive set (tasks
whose score compression lowers by more than `optimizer.score_drop`, or that it turns from
success to failure), and the share of compressor replies that parsed. The response
cache is on, so a setting rerun costs nothing and a shared uncompressed arm is reused.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from acon.composition import compose  # noqa: E402
from acon.compression.base import NoHistoryCompression  # noqa: E402
from acon.config.build import typed  # noqa: E402
from acon.errors import AconError  # noqa: E402
from acon.llm import LLMSession  # noqa: E402
from acon.optimize.selection import contrastive_set  # noqa: E402
from acon.rollout import RolloutSpec, rollout  # noqa: E402
from acon.run_folder import RunFolder  # noqa: E402


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for quiet in ("httpx", "httpx2"):  # one line per request would drown the progress
        logging.getLogger(quiet).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--out", default=None, help="keep the two rollouts here")
    args, overrides = parser.parse_known_args()
    cfg = compose(
        [*overrides, f"rollout.limit={args.tasks}", "rollout.split=train", "tracking=off"]
    )
    spec = RolloutSpec.of(cfg)
    base_spec = spec.with_strategy("history", NoHistoryCompression())
    start_spec = spec.with_guideline("history", typed(cfg.optimizer).start)
    out = Path(args.out or tempfile.mkdtemp(prefix="acon-signal-"))
    start = time.perf_counter()
    with LLMSession(spec.models, out) as llms:
        base = rollout(base_spec, RunFolder(out / "no_compression"), llms).finished
        started = rollout(start_spec, RunFolder(out / "start"), llms).finished
    minutes = (time.perf_counter() - start) / 60
    drop = typed(cfg.optimizer).score_drop
    flipped = contrastive_set(base, started)
    lowered = contrastive_set(base, started, drop) if drop is not None else flipped
    calls = sum(r["compressor_calls"] for r in started.values())
    failed = sum(r["compressor_failures"] for r in started.values())
    n = len(base)
    print(f"\nsetting: {' '.join(overrides) or '(defaults)'}")
    print(f"rollouts in {out}, {minutes:.1f} min")
    print(
        "| tasks | success (none) | success (start) | score (none) | score (start) "
        "| compressions/task | compressor replies parsed | contrastive (success lost) "
        "| contrastive (score drop) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|---|")
    print(
        f"| {n} | {sum(r['success'] for r in base.values()) / n:.2f} "
        f"| {sum(r['success'] for r in started.values()) / max(1, len(started)):.2f} "
        f"| {sum(r['score'] for r in base.values()) / n:.3f} "
        f"| {sum(r['score'] for r in started.values()) / max(1, len(started)):.3f} "
        f"| {sum(r['history_compressions'] for r in started.values()) / max(1, len(started)):.1f} "
        f"| {calls - failed}/{calls} | {len(flipped)}: {', '.join(flipped) or '-'} "
        f"| {len(lowered)}: {', '.join(lowered) or '-'} |"
    )


if __name__ == "__main__":
    try:
        main()
    except AconError as exc:  # a wrong override: one sentence, exit 2
        print(exc, file=sys.stderr)
        sys.exit(2)
