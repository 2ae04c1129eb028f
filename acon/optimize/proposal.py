"""New candidate guidelines from feedback: N independent samples of one DSPy program
(sample i has its own seed and cache entry), each shown a seeded sample of the feedback.
A program answers with the whole new guideline (`new_guideline`, the paper's) or with
instructions appended to the parent (`new_instructions`, for optimizer models that echo
a guideline instead of rewriting it)."""

from __future__ import annotations

import logging
import random
from typing import Any

from acon.errors import AconError
from acon.optimize.feedback import OptimizerLM

log = logging.getLogger(__name__)


class StepFailed(AconError):
    """Every proposal of a step was unusable: the step cannot go on."""


def propose(
    lm: OptimizerLM,
    signature: type,
    parent_text: str,
    field_name: str,
    items: list[str],
    *,
    n: int,
    sample_size: int | None,
    seed: str,
    temperature: float,
    step: str,
) -> list[str]:
    """Up to `n` distinct texts that differ from the parent. Raises StepFailed when not one
    of the `n` replies was usable (a configuration problem, not bad luck)."""
    rng = random.Random(seed)
    texts: list[str] = []
    unusable = 0
    for i in range(n):
        sample = items if sample_size is None else rng.sample(items, min(sample_size, len(items)))
        pred = lm.predict(
            signature,
            sample=i,
            temperature=temperature,
            guideline=parent_text,
            **{field_name: "\n\n".join(sample)},
        )
        text = candidate_text(pred, parent_text) if pred else ""
        if pred is not None and not text:
            lm.unusable.append(f"{signature.__name__}: an empty guideline")
        if not text:
            unusable += 1
        elif text != parent_text.strip() and text not in texts:
            texts.append(text)
    log.info(
        "%s: %d distinct new candidates of %d asked (%d unusable)",
        step.upper(),
        len(texts),
        n,
        unusable,
    )
    if unusable == n:
        reasons = "; ".join(sorted(set(lm.unusable))) or "no reason given"
        raise StepFailed(
            f"Every one of the {n} {step.upper()} proposals was unusable ({reasons}): raise "
            f"llm.optimizer.max_tokens, or use an optimizer model that follows the format "
            f"(llm.optimizer.model); the steps before it are kept and a rerun resumes."
        )
    return texts


def candidate_text(pred: Any, parent_text: str) -> str:
    """The candidate a prediction proposes: its whole guideline, or the parent with its new
    instructions appended ("" when it proposes nothing)."""
    if "new_instructions" in pred:
        added = str(pred.new_instructions or "").strip()
        return f"{parent_text.rstrip()}\n{added}" if added else ""
    return str(pred.get("new_guideline") or "").strip()
