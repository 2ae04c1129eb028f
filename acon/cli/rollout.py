"""`acon-rollout`: run the agent on a benchmark split with the configured compression.

acon-rollout env=facts compression/history=guideline rollout.limit=5
acon-rollout hydra.run.dir=runs/my-run   # again, to resume (errored tasks run again)
acon-rollout rollout.seeds=[1,2,3]       # every task three times: <run>/seed-<n>
"""

from __future__ import annotations

from typing import Any

from omegaconf import OmegaConf

from acon.cli.entry import entry
from acon.config.naming import to_plain
from acon.errors import IncompleteRun
from acon.llm import LLMSession, ModelSettings
from acon.metrics import summarize
from acon.rollout import RolloutResult, RolloutSpec, rollout
from acon.rollout.resume import claim
from acon.run_folder import RunFolder
from acon.tracking import LiveRollout


def repeats(cfg: Any, folder: RunFolder, write: bool = True) -> list[tuple[Any, RunFolder]]:
    """The rollouts to run: the configured one, or one per seed of `rollout.seeds` (each
    in its folder, with its config written there unless `write` is false)."""
    seeds = list(cfg.rollout.get("seeds") or [])
    if not seeds:
        return [(cfg, folder)]
    runs = []
    for seed in seeds:
        seeded = OmegaConf.merge(
            cfg, {"llm": {"common": {"seed": seed}}, "rollout": {"seeds": None}}
        )
        child = folder.child(f"seed-{seed}")
        if write:
            child.make().write_config(to_plain(seeded))
        runs.append((seeded, child))
    return runs


def check_folders(cfg: Any, folder: RunFolder) -> None:
    """Before anything is written: each rollout may add rows to its folder (same config
    as the rows there, or rollout.resume=force; acon.rollout.resume)."""
    for run_cfg, run_folder in repeats(cfg, folder, write=False):
        claim(RolloutSpec.of(run_cfg), run_folder, write=False)


def run(cfg: Any, folder: RunFolder) -> list[RolloutResult]:
    results = []
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        for run_cfg, run_folder in repeats(cfg, folder):
            spec = RolloutSpec.of(run_cfg)
            with LiveRollout(spec.config, run_folder) as live:
                results.append(rollout(spec, run_folder, llms, on_row=live.task))
    rows = [row for result in results for row in result.rows]
    print("\n" + summarize(rows).to_markdown(floatfmt=".3f"))
    print(f"\nRun folder: {folder.path} (results.jsonl, summary.md, trajectories/)")
    errored = [r.errors_summary() for r in results if r.errored]
    if errored:
        raise IncompleteRun(
            f"{' | '.join(errored)}. Rerun with hydra.run.dir={folder.path} to run them "
            f"again; finished tasks are kept."
        )
    return results


main = entry(run, plan="rollout", guard=check_folders)

if __name__ == "__main__":
    main()
