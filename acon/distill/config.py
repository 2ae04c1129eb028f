"""`distill:` (conf/distill/): which runs become training data, how the student trains,
what it is called when served, and how it is measured against its teacher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acon.config.schemas import InvalidSetting, check_choice, check_positive

TASK_FILTERS = ("succeeded", "finished")
STAGES = ("data", "train", "serve", "evaluate")


@dataclass
class DistillDataConfig:
    """What the training data is made from (acon.distill.data)."""

    # run folders to read (every rollout folder below each); empty: the teacher's own
    # rollouts on the training split, run by `acon-distill` first
    runs: list[str] = field(default_factory=list)
    # a folder that already holds the data sets and their card (e.g. acon-compile's
    # <run>/export): the data stage is skipped and training reads it
    dir: str | None = None
    kinds: list[str] = field(default_factory=lambda: ["history", "observation"])
    strategies: list[str] = field(default_factory=lambda: ["guideline"])  # whose calls
    tasks: str = "succeeded"  # succeeded: only tasks the teacher run succeeded on; finished
    val_fraction: float = 0.2  # of the tasks (never of the calls: a task is in one split)
    seed: int = 0
    teacher_tasks: int | None = 12  # training tasks the teacher runs when `runs` is empty

    def __post_init__(self) -> None:
        check_choice("tasks", self.tasks, TASK_FILTERS)
        for kind in self.kinds:
            check_choice("kinds", kind, ("history", "observation"))
        if not 0 <= self.val_fraction < 1:
            raise InvalidSetting("val_fraction", self.val_fraction, "use a value in [0, 1)")
        check_positive("teacher_tasks", self.teacher_tasks)


@dataclass
class LoraTrainConfig:
    """LoRA fine-tuning (acon.distill.train; peft + trl). The defaults are the paper's."""

    # a local model's name (conf/local_models/: its GGUF is loaded and de-quantized) or a
    # Hugging Face model id (Qwen/Qwen3-14B, microsoft/phi-4) on a machine that has one
    base: str = "qwen2.5-coder-0.5b"
    # compressor | agent: which data set the data stage wrote; longcontext: acon-compile's
    # export (with distill.data.dir=<compile run>/export)
    data: str = "compressor"
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"]
    )
    epochs: float = 3.0
    batch_size: int = 4
    grad_accum: int = 1
    learning_rate: float = 1e-4
    warmup_ratio: float = 0.1  # linear warm-up, then linear decay
    weight_decay: float = 0.0
    max_length: int = 4096  # tokens per example; longer ones are cut from the end
    max_steps: int = -1  # > 0: stop after this many optimizer steps (a demo on a CPU)
    save_steps: int = 20  # a checkpoint every this many steps (resume picks the last)
    eval_steps: int = 20
    seed: int = 42
    threads: int | None = None  # torch CPU threads; null: torch's default

    def __post_init__(self) -> None:
        check_choice("data", self.data, ("compressor", "agent", "longcontext"))
        for name in (
            "rank",
            "alpha",
            "batch_size",
            "grad_accum",
            "max_length",
            "save_steps",
            "eval_steps",
            "threads",
        ):
            check_positive(name, getattr(self, name))
        check_positive("epochs", self.epochs)
        check_positive("learning_rate", self.learning_rate)


@dataclass
class DistillConfig:
    """`acon-distill`: teacher data, LoRA training, serving and the three-way measurement."""

    # the served student's name: `llm.compressor.base_url=local://<name>`
    name: str = "${distill.train.base}-distilled"
    stages: list[str] = field(default_factory=lambda: list(STAGES))
    data: DistillDataConfig = field(default_factory=DistillDataConfig)
    train: LoraTrainConfig = field(default_factory=LoraTrainConfig)
    test_tasks: int | None = 10  # test tasks each arm (teacher, base, distilled) runs
    # the compressor of the two student arms (overrides of `llm.compressor`); the teacher
    # is `llm.compressor` itself. A Hugging Face student served by vLLM instead:
    #   distill.distilled_student='{base_url: "http://127.0.0.1:8000/v1", provider: vllm}'
    base_student: dict[str, Any] = field(
        default_factory=lambda: {
            "base_url": "local://${distill.train.base}",
            "model": "${distill.train.base}",
            "provider": "llamacpp",
        }
    )
    distilled_student: dict[str, Any] = field(
        default_factory=lambda: {
            "base_url": "local://${distill.name}",
            "model": "${distill.name}",
            "provider": "llamacpp",
        }
    )

    def __post_init__(self) -> None:
        for stage in self.stages:
            check_choice("stages", stage, STAGES)
        check_positive("test_tasks", self.test_tasks)
