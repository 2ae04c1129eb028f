"""`acon-distill`: move the compressor's behaviour into a small model, and measure it.

    acon-distill +experiment=distill_compressor            # the four stages
    acon-distill distill.data.runs=[runs/my-run] distill.stages=[data]
    acon-distill hydra.run.dir=<run>                        # again: resume

1. data: the teacher's compressor calls (every rollout below `distill.data.runs`, or the
   teacher's own rollouts on `distill.data.teacher_tasks` training tasks) -> <run>/data/
2. train: LoRA on `distill.train.base` -> <run>/train/ (checkpoints, adapter; tracked)
3. serve: the adapter as a GGUF LoRA, registered as local model `distill.name`
   (`llm.compressor.base_url=local://<name>` from then on, in any run)
4. evaluate: teacher, base student and distilled student on the same test tasks
   -> <run>/rollouts/<arm>/, and the comparison -> `report.out`/distillation.md

A finished stage is not redone: its output in the run folder is read back.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

from acon.cli.arms import run_arms, tracked_rollout
from acon.cli.entry import entry, picks_its_own_tasks
from acon.config.build import typed
from acon.distill.config import DistillConfig
from acon.errors import AconError, IncompleteRun
from acon.llm import LLMSession, ModelSettings
from acon.llm.models import register_adapter, served_files
from acon.rollout import RolloutSpec, TaskSelection
from acon.run_folder import RunFolder

log = logging.getLogger("acon.distill")


def test_arms(cfg: Any) -> dict[str, RolloutSpec]:
    """The three test rollouts, alike but for the compressor: `llm.compressor` (the
    teacher), `distill.base_student` (the untrained base) and `distill.distilled_student`."""
    test = OmegaConf.merge(
        cfg, {"rollout": {"split": cfg.main.test_split, "limit": cfg.distill.test_tasks}}
    )
    arms = {"teacher": test}
    for arm in ("base_student", "distilled_student"):
        arms[arm] = OmegaConf.merge(test, {"llm": {"compressor": cfg.distill[arm]}})
    return {name: RolloutSpec.of(cast(DictConfig, arm)) for name, arm in arms.items()}


def teacher_rollouts(cfg: Any, folder: RunFolder, llms: Any) -> list[Path]:
    """The data's source: `distill.data.runs`, or the teacher run on the training split."""
    data = typed(cfg.distill).data
    if data.runs:
        return [Path(p) for p in data.runs]
    spec = RolloutSpec.of(cfg).with_tasks(TaskSelection(cfg.optimizer.split, data.teacher_tasks))
    teacher = folder.child("teacher")
    log.info("Teacher rollouts on %s %s tasks", data.teacher_tasks, cfg.optimizer.split)
    result = tracked_rollout(spec, teacher, llms)
    if result.errored:
        raise IncompleteRun(f"teacher: {result.errors_summary()}; rerun to finish them.")
    return [teacher.path]


def serve(cfg: Any, distill: DistillConfig, folder: RunFolder, data_dir: Path) -> dict[str, Any]:
    """The trained adapter as a GGUF LoRA on its base's file, registered as `name`."""
    from acon.distill.gguf_adapter import convert

    base = distill.train.base
    if base not in cfg.local_models:
        raise AconError(
            f"distill.train.base={base} is not a local model, so it has no GGUF to serve the "
            f"adapter on: serve {folder.path / 'train' / 'adapter'} with vLLM "
            f"(--enable-lora --lora-modules {distill.name}=<that folder>), then run "
            f"distill.stages=[evaluate] with distill.base_student and "
            f"distill.distilled_student pointing at it (provider: vllm)."
        )
    base_file, _ = served_files(cfg.local_models, base, cfg.paths.models_dir)
    gguf = convert(
        folder.path / "train" / "adapter", base_file, folder.path / "train" / "adapter.gguf"
    )
    card = json.loads((data_dir / "card.json").read_text())
    summary = json.loads((folder.path / "train" / "train_summary.json").read_text())
    spec = register_adapter(
        cfg.paths.models_dir,
        distill.name,
        base,
        gguf,
        about={
            "run": str(folder.path),
            "guidelines": [g for s in card["sources"] for g in s["guidelines"]],
            "examples": summary["train_examples"],
            "steps": summary["steps"],
            "last_loss": summary["last_loss"],
        },
    )
    log.info(
        "Registered %s (sha256 %s) on %s: use llm.compressor.base_url=local://%s",
        spec.name,
        spec.sha256[:12],
        base,
        spec.name,
    )
    return {"name": spec.name, "sha256": spec.sha256, "path": spec.path}


def distill_job(cfg: Any, folder: RunFolder) -> dict[str, Any]:
    from acon.distill.data import write_data
    from acon.distill.evaluate import write_comparison
    from acon.distill.tracking import TrainingRun
    from acon.distill.train import train

    distill: DistillConfig = typed(cfg.distill)
    out: dict[str, Any] = {}
    data_dir = Path(distill.data.dir) if distill.data.dir else folder.path / "data"
    train_dir = folder.path / "train"
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        if distill.data.dir and not (data_dir / "card.json").is_file():
            raise AconError(
                f"distill.data.dir={data_dir} holds no card.json: point it at an "
                f"acon-compile run's export/ or a data stage's data/ folder."
            )
        if "data" in distill.stages:
            if (data_dir / "card.json").is_file():
                log.info("1/4 Data: kept from %s", data_dir)
            else:
                roots = teacher_rollouts(cfg, folder, llms)
                card = write_data(roots, distill.data, data_dir)
                log.info("1/4 Data: %s", {k: v["examples"] for k, v in card["files"].items()})
        if "train" in distill.stages:
            if (train_dir / "train_summary.json").is_file():
                log.info("2/4 Training: kept from %s", train_dir)
            else:
                log.info("2/4 Training %s with LoRA on %s", distill.train.base, data_dir)
                with TrainingRun(cfg, train_dir, data_dir) as tracked:
                    out["train"] = train(
                        distill.train,
                        data_dir,
                        train_dir,
                        local_models=cfg.local_models,
                        models_dir=cfg.paths.models_dir,
                        on_log=tracked.log,
                    )
                    tracked.finish(out["train"])
        if "serve" in distill.stages:
            out["served"] = serve(cfg, distill, folder, data_dir)
            log.info("3/4 Served as local://%s", distill.name)
        if "evaluate" in distill.stages:
            folders, errors = run_arms(test_arms(cfg), folder, llms, "4/4")
            written = write_comparison(folders, cfg.report.out)
            print(f"\n{written[0]}:\n{written[0].read_text()}")
            if errors:
                raise IncompleteRun(
                    " | ".join(errors) + f"; rerun with hydra.run.dir={folder.path}"
                )
        folder.write_usage(llms.ledger.summary())
    return out


main = entry(
    distill_job, guard=picks_its_own_tasks("distill.data.teacher_tasks", "distill.test_tasks")
)

if __name__ == "__main__":
    main()
