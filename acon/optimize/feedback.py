"""What the optimizer LLM says about rollouts: contrastive feedback (full vs. compressed
context of a task that compression made fail), failure feedback (the compressed run
alone), and usage analysis (what a successful compressed run actually used).

`OptimizerLM` runs the DSPy programs (acon/optimize/signatures.py) on the optimizer role.
A reply DSPy cannot parse (or one cut at max_tokens) costs that item and is counted with
its reason; an endpoint that refuses the request, cannot be reached or a spent budget
stops the optimizer with its own sentence (they would fail every other call too).
"""

from __future__ import annotations

import logging
from typing import Any

from acon.llm.client import LLMClient
from acon.llm.dspy_bridge import predict
from acon.optimize.contexts import compressed_text, full_text
from acon.optimize.evaluation import Evaluated
from acon.optimize.signatures import ContrastiveFeedback, FailureFeedback, UsageAnalysis

log = logging.getLogger(__name__)


class OptimizerLM:
    def __init__(self, client: LLMClient):
        self.client = client
        self.unusable: list[str] = []  # since the last take_unusable()

    def predict(
        self,
        signature: type,
        *,
        sample: int = 0,
        temperature: float | None = None,
        **inputs: Any,
    ) -> Any:
        """One DSPy call; None when the reply is unusable (counted with its reason)."""
        done = predict(self.client, signature, sample=sample, temperature=temperature, **inputs)
        if done.unusable is not None:
            self.unusable.append(f"{signature.__name__}: {done.unusable}")
            log.warning("%s: unusable reply, %s", signature.__name__, done.unusable)
        return done.prediction

    def take_unusable(self) -> list[str]:
        taken, self.unusable = self.unusable, []
        return taken


def feedback(
    lm: OptimizerLM,
    ids: list[str],
    *,
    contrastive: bool,
    base: Evaluated,
    comp: Evaluated,
    guideline: str,
    instructions: dict[str, str],
    max_tokens: int | None,
) -> list[str]:
    """One feedback item per task: contrastive (full vs. compressed) or failures-only."""
    items = []
    for task_id in ids:
        inputs: dict[str, Any] = {
            "task": instructions[task_id],
            "guideline": guideline,
            "compressed_context": compressed_text(comp.folder, comp.rows[task_id], max_tokens),
        }
        if contrastive:
            full = full_text(base.folder, base.rows[task_id], max_tokens)
            pred = lm.predict(ContrastiveFeedback, full_context=full, **inputs)
        else:
            pred = lm.predict(FailureFeedback, **inputs)
        if pred is not None:
            items.append(
                f"Task {task_id}:\n- lost facts: {pred.lost_facts}\n- lost state: "
                f"{pred.lost_state}\n- wrong summaries: {pred.wrong_summaries}\n"
                f"- keep: {pred.keep}"
            )
    return items


def usage(
    lm: OptimizerLM,
    ids: list[str],
    *,
    comp: Evaluated,
    guideline: str,
    instructions: dict[str, str],
    max_tokens: int | None,
) -> list[str]:
    """One analysis per successful compressed task: what was used, what never needed."""
    items = []
    for task_id in ids:
        pred = lm.predict(
            UsageAnalysis,
            task=instructions[task_id],
            guideline=guideline,
            compressed_context=compressed_text(comp.folder, comp.rows[task_id], max_tokens),
        )
        if pred is not None:
            items.append(f"Task {task_id}:\n- used: {pred.used}\n- never needed: {pred.unused}")
    return items
