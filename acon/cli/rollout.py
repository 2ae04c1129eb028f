"""`acon-rollout`: run the agent on a benchmark split with the configured compression.

acon-rollout env=facts compression/history=guideline rollout.limit=5
acon-rollout hydra.run.dir=runs/my-run   # again, to resume an interrupted run
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acon.cli.entry import hydra_app, run_verb
from acon.llm import LLMSession
from acon.rollout import rollout
from acon.tracking import log_rollout


def run(cfg: Any, run_dir: Path) -> None:
    with LLMSession(cfg, run_dir) as llms:
        table = rollout(cfg, run_dir, llms)
    log_rollout(cfg, run_dir)
    print("\n" + table.to_markdown(floatfmt=".3f"))
    print(f"\nRun folder: {run_dir} (results.jsonl, summary.md, trajectories/)")


@hydra_app
def main(cfg: Any) -> None:
    run_verb(run, cfg)


if __name__ == "__main__":
    main()
