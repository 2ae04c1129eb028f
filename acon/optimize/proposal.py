"""New candidate guidelines from feedback: N independent samples of one DSPy program
(sample i has its own seed and cache entry), each shown a seeded sample of the feedback.
A program answers with the whole new guideline (`new_guideline`, the paper's), with
instructions appended to the parent (`new_instructions`, for optimizer models that echo
a guideline instead of rewriting it), or with a rule picked from a list (`edits`,
acon.optimize.rules: a small model's choice, rendered; each sample is offered only the
kinds the earlier samples left, so the candidates differ by construction)."""

from __future__ import annotations

import logging
import random
from typing import Any

from acon.errors import AconError
from acon.optimize.feedback import OptimizerLM

log = logging.getLogger(__name__)


class StepFailed(AconError):
    """Every proposal of a step was unusable: the step cannot go on."""


def _sampled(items: list[str], sample_size: int | None, rng: random.Random) -> str:
    return "\n\n".join(
        items if sample_size is None else rng.sample(items, min(sample_size, len(items)))
    )


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
    first_sample: int = 0,
) -> list[str]:
    """Up to `n` distinct texts that differ from the parent, from samples `first_sample`
    onwards (a later round asks for new samples: the same ones would be the same replies,
    from the response cache). Raises StepFailed when not one of the `n` replies was usable
    (a configuration problem, not bad luck)."""
    rng = random.Random(seed)
    texts: list[str] = []
    unusable = 0
    for i in range(n):
        pred = lm.predict(
            signature,
            sample=first_sample + i,
            temperature=temperature,
            guideline=parent_text,
            **{field_name: _sampled(items, sample_size, rng)},
        )
        text = candidate_text(pred, parent_text) if pred else ""
        if pred is not None and not text:
            lm.unusable.append(f"{signature.__name__}: an empty guideline")
        if not text:
            unusable += 1
        elif _words(text) in {_words(t) for t in (parent_text, *texts)}:
            log.info("%s sample %d: the parent or an earlier candidate again", step.upper(), i)
        else:
            texts.append(text)
    return _kept(lm, texts, n, unusable, step)


def _words(text: str) -> str:
    """A text as its words: a reply that only re-wraps the parent's lines is the parent
    (a small optimizer model echoes a guideline with its line breaks removed)."""
    return " ".join(text.split())


def propose_rules(
    lm: OptimizerLM,
    step: str,
    parent_text: str,
    items: list[str],
    kinds: dict[str, str],
    *,
    n: int,
    sample_size: int | None,
    seed: str,
    temperature: float,
    first_sample: int = 0,
) -> list[str]:
    """Up to `n` candidates, each the parent with one rule set (acon.optimize.rules): sample
    i picks a kind and a treatment among those the earlier samples left (samples from
    `first_sample` on, as `propose`). Raises StepFailed as `propose` does."""
    from acon.optimize.rules import MEANINGS, TREATMENTS, Rule, choices, with_rule
    from acon.optimize.signatures import rule_edit

    rng = random.Random(seed)
    texts: list[str] = []
    taken: set[str] = set()
    unusable = asked = 0
    for i in range(n):
        offered = choices(parent_text, step, kinds, taken)
        if not offered:
            break  # every kind has been tried: nothing left to propose
        asked += 1
        hows = sorted({h for hs in offered.values() for h in hs}, key=list(TREATMENTS).index)
        options = "\n".join(
            [f"kind {k}: {kinds[k]}" for k in offered]
            + [f"treatment {h}: {MEANINGS[h]}" for h in hows]
        )
        pred = lm.predict(
            rule_edit(step, list(offered), hows),
            sample=first_sample + i,
            temperature=temperature,
            guideline=parent_text,
            options=options,
            **{"feedback" if step == "ut" else "analysis": _sampled(items, sample_size, rng)},
        )
        if pred is None:
            unusable += 1
            continue
        kind, how = str(pred.kind), str(pred.treatment)
        taken.add(kind)
        if how not in offered.get(kind, []):  # e.g. the rule it already has
            log.info("%s sample %d picked %s/%s: no change", step.upper(), i, kind, how)
            continue
        texts.append(with_rule(parent_text, Rule(kind, how), kinds))
        log.info("%s sample %d: %s", step.upper(), i, Rule(kind, how).render(kinds))
    return _kept(lm, texts, asked, unusable, step)


def _kept(lm: OptimizerLM, texts: list[str], n: int, unusable: int, step: str) -> list[str]:
    log.info(
        "%s: %d distinct new candidates of %d asked (%d unusable)",
        step.upper(),
        len(texts),
        n,
        unusable,
    )
    if n and unusable == n:
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
