"""LoRA fine-tuning of a student on distillation data (peft + trl's SFTTrainer).

The student is a local model (its GGUF file, which `transformers` loads and
de-quantizes: the offline default trains Qwen2.5-Coder-0.5B on the CPU) or a Hugging Face
model id on a machine with a GPU. Each example's last message, the teacher's reply, is
what the loss is on (prompt-completion format); the prompt is the exact request the
teacher got. Checkpoints go to `<out>/checkpoints` every `save_steps`, and a rerun into
the same folder resumes from the last one; the adapter is saved to `<out>/adapter`.
Progress is the Trainer's bar; the loss curves reach MLflow through `on_log`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from acon.distill.config import LoraTrainConfig
from acon.errors import AconError, require_extra

log = logging.getLogger(__name__)
OnLog = Callable[[int, dict[str, float]], None]  # (global step, logged values)


def load_student(base: str, local_models: Any, models_dir: str | Path) -> tuple[Any, Any]:
    """(model, tokenizer) of `base`: a local model's verified GGUF (de-quantized to fp32
    on the CPU) or a Hugging Face model id."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if base in local_models:
        from acon.llm.models import ensure_model, spec_for

        path = ensure_model(spec_for(local_models, base), Path(models_dir))
        kwargs: dict[str, Any] = {"gguf_file": path.name}
        source = str(path.parent)
        dtype = torch.float32
    else:
        kwargs, source = {}, base
        dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    model: Any = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **kwargs)
    if kwargs:  # de-quantized on load: plain fp32 weights, though still marked GGUF, which
        # the Trainer refuses to train on
        model.hf_quantizer, model.is_quantized = None, False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def prompt_completion(example: dict[str, Any]) -> dict[str, Any]:
    """A chat example as trl's conversational prompt-completion pair: the loss is on the
    last message (the teacher's reply) only."""
    messages = example["messages"]
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def train(
    config: LoraTrainConfig,
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    local_models: Any,
    models_dir: str | Path,
    on_log: OnLog | None = None,
) -> dict[str, Any]:
    """Train (or resume training) the LoRA adapter; a summary of what was done."""
    require_extra(
        "distill", ["torch", "transformers", "peft", "trl", "datasets"], "LoRA training", True
    )
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    data_dir, out_dir = Path(data_dir), Path(out_dir)
    files = {part: data_dir / f"{config.data}_{part}.jsonl" for part in ("train", "val")}
    if not files["train"].is_file() or not files["train"].stat().st_size:
        raise AconError(
            f"{files['train']} is missing or empty: run the data stage first "
            f"(acon-distill distill.stages=[data])."
        )
    if config.threads:
        torch.set_num_threads(config.threads)
    splits = {p: str(f) for p, f in files.items() if f.is_file() and f.stat().st_size}
    data = load_dataset("json", data_files=splits)
    data = data.map(prompt_completion, remove_columns=["messages"])
    started = time.perf_counter()
    model, tokenizer = load_student(config.base, local_models, models_dir)
    load_s = time.perf_counter() - started

    class Report(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any):
            if on_log is not None and logs:
                values = {k: float(v) for k, v in logs.items() if isinstance(v, int | float)}
                on_log(state.global_step, values)

    checkpoints = out_dir / "checkpoints"
    use_cpu = not torch.cuda.is_available()
    args = SFTConfig(
        output_dir=str(checkpoints),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        learning_rate=config.learning_rate,
        lr_scheduler_type="linear",
        warmup_steps=config.warmup_ratio,  # below 1: a share of the steps
        weight_decay=config.weight_decay,
        optim="adamw_torch",
        max_length=config.max_length,
        truncation_mode="keep_start",
        completion_only_loss=True,
        logging_steps=1,
        save_steps=config.save_steps,
        save_total_limit=2,
        eval_strategy="steps" if "val" in splits else "no",
        eval_steps=config.eval_steps,
        seed=config.seed,
        use_cpu=use_cpu,
        bf16=not use_cpu,
        report_to=[],
        dataloader_num_workers=0,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=data["train"],
        eval_dataset=data["val"] if "val" in splits else None,
        processing_class=tokenizer,
        peft_config=LoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            lora_dropout=config.dropout,
            target_modules=list(config.target_modules),
            task_type="CAUSAL_LM",
        ),
        callbacks=[Report()],
    )
    resume = any(checkpoints.glob("checkpoint-*"))
    if resume:
        log.info("Resuming training from the last checkpoint in %s", checkpoints)
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    adapter = out_dir / "adapter"
    trained: Any = trainer.model  # the PEFT model it trained
    trained.save_pretrained(str(adapter))
    tokenizer.save_pretrained(str(adapter))
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    evals = [e["eval_loss"] for e in trainer.state.log_history if "eval_loss" in e]
    summary = {
        "base": config.base,
        "config": asdict(config),
        "steps": trainer.state.global_step,
        "resumed": resume,
        "train_examples": len(data["train"]),
        "val_examples": len(data["val"]) if "val" in splits else 0,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "eval_losses": evals,
        "train_runtime_s": result.metrics.get("train_runtime"),
        "load_s": load_s,
        "device": "cpu" if use_cpu else torch.cuda.get_device_name(0),
        "adapter": str(adapter),
    }
    (out_dir / "train_summary.json").write_text(json.dumps(summary, indent=2))
    return summary
