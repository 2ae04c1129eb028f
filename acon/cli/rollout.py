"""`acon-rollout`: run the agent on a benchmark split with the configured compression.

acon-rollout env=facts compression/history=guideline rollout.limit=5
acon-rollout hydra.run.dir=runs/my-run   # again, to resume (errored tasks run again)
"""

from __future__ import annotations

from typing import Any

from acon.cli.entry import entry
from acon.errors import IncompleteRun
from acon.llm import LLMSession
from acon.rollout import RolloutResult, rollout
from acon.run_folder import RunFolder
from acon.tracking import log_rollout


def run(cfg: Any, folder: RunFolder) -> RolloutResult:
    with LLMSession(cfg, folder.path) as llms:
        result = rollout(cfg, folder, llms)
    log_rollout(cfg, folder)
    print("\n" + result.table.to_markdown(floatfmt=".3f"))
    print(f"\nRun folder: {folder.path} (results.jsonl, summary.md, trajectories/)")
    if result.errored:
        raise IncompleteRun(
            f"{result.errors_summary()}. Rerun with hydra.run.dir={folder.path} to run them "
            f"again; finished tasks are kept."
        )
    return result


main = entry(run)

if __name__ == "__main__":
    main()
