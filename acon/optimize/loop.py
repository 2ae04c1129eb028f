"""The guideline optimizer (the paper's Algorithm 1): a utility step, then a compression
step, per round.

- Utility step (UT): tasks that succeed without compression and fail with the current
  guideline (the contrastive set) each get structured feedback from the optimizer LLM,
  which compares the full and the compressed context. From the guideline and a sample of
  that feedback it proposes `n_candidates` new guidelines; each is evaluated on a subset
  of the training tasks and the best by task score is kept (ties: fewer context tokens,
  then a shorter guideline). Fallback when the contrastive set is empty: feedback on the
  compressed run's failures alone (the `contrastive: false` ablation); with no failures
  at all, UT has nothing to fix and is skipped.
- Compression step (CO): on tasks that succeed with compression, the optimizer notes what
  in the compressed context the agent used and what it never needed, and proposes
  shorter guidelines; selection as above (score first, then tokens).

Every candidate is saved with its lineage in a guideline store (`<run>/guidelines`), with
the aliases `baseline` (the starting text) and `best`. Progress is written to
`optimizer_state.json` after every step: a rerun into the same run folder resumes, and
rollouts and LLM answers already paid for come from their caches. A budget on live calls,
tokens and dollars is checked before each call.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import dspy

from acon.compression.guidelines import (
    load_guideline,
    save_guideline,
    set_alias,
    update_lineage,
)
from acon.environment import Task
from acon.errors import AconError
from acon.llm.dspy_bridge import dspy_lm
from acon.llm.usage import Budget
from acon.optimize.contexts import compressed_text, full_text
from acon.optimize.evaluator import GuidelineEvaluator
from acon.optimize.selection import (
    Scored,
    contrastive_set,
    failures,
    scored,
    select_best,
    successes,
)
from acon.optimize.signatures import (
    ContrastiveFeedback,
    FailureFeedback,
    ProposeGuideline,
    ShortenGuideline,
    UsageAnalysis,
)
from acon.rollout import make_env

log = logging.getLogger(__name__)
STEPS = ("ut", "co")


@dataclass
class StepOutcome:
    round: int
    step: str
    parent_version: int
    best_version: int
    improved: bool
    candidates: list[dict[str, Any]] = field(default_factory=list)
    skipped: str | None = None
    feedback_mode: str | None = None
    usage: dict[str, float] = field(default_factory=dict)  # live calls, tokens, dollars


class GuidelineOptimizer:
    def __init__(self, cfg: Any, llms: Any, run_dir: Path):
        self.cfg = cfg
        self.opt = cfg.optimizer
        self.llms = llms
        self.run_dir = Path(run_dir)
        self.kind = self.opt.kind
        self.name = self.opt.name
        self.root = self.run_dir / "guidelines"
        self.state_path = self.run_dir / "optimizer_state.json"
        self.state = self._load_state()
        b = self.opt.budget
        spent = self.state.get("spent", {})
        llms.ledger.budget = Budget(
            b.max_calls, b.max_tokens, b.max_usd,
            spent.get("calls", 0), spent.get("tokens", 0), spent.get("usd", 0.0),
        )  # fmt: skip
        self.client = llms.client("optimizer")
        self.evaluator = GuidelineEvaluator(
            cfg, llms, self.kind, Path(self.opt.rollouts_dir), self.opt.split
        )
        env = make_env(cfg)
        self.tasks: list[Task] = env.tasks(self.opt.split)[: self.opt.n_tasks]
        env.close()
        self.task_by_id = {t.id: t for t in self.tasks}

    # -- the loop -------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        try:
            return self._run()
        except AconError:
            self._save_state()  # what was spent counts against the budget of a resume
            raise

    def _run(self) -> dict[str, Any]:
        parent = self._parent()
        stale_rounds = 0
        for rnd in range(1, self.opt.rounds + 1):
            improved = False
            for step in self.opt.steps:
                if step not in STEPS:
                    raise ValueError(f"unknown optimizer step {step!r}")
                done = self._done(rnd, step)
                if done is None:
                    log.info(
                        "Round %d, %s step, from %s v%d",
                        rnd,
                        step.upper(),
                        self.name,
                        parent.version,
                    )
                    before = self._usage()
                    done = (
                        self.utility_step(parent, rnd)
                        if step == "ut"
                        else (self.compression_step(parent, rnd))
                    )
                    done.usage = _delta(before, self._usage())  # rollouts, feedback, proposals
                    self._record(done)
                if done.improved:
                    improved = True
                    parent = self._version(done.best_version)
            stale_rounds = 0 if improved else stale_rounds + 1
            if stale_rounds >= self.opt.patience:
                log.info("No improvement in %d round(s): stopping.", stale_rounds)
                break
        return self._finish(parent)

    def utility_step(self, parent: Scored, rnd: int) -> StepOutcome:
        base, base_dir = self.evaluator.baseline(self.tasks)
        comp, comp_dir = self.evaluator.with_guideline(parent.text, self.tasks)
        mode = "contrastive" if self.opt.contrastive else "failures"
        ids = contrastive_set(base, comp, self.opt.score_drop) if self.opt.contrastive else []
        if not ids:
            ids = failures(comp)
            if self.opt.contrastive:
                mode = "failures (fallback: empty contrastive set)"
        log.info("UT: %d tasks give feedback (%s)", len(ids), mode)
        if not ids:
            return self._skipped(rnd, "ut", parent, "no compressed run failed: nothing to fix")
        max_chars = self.opt.max_context_chars
        items = []
        for task_id in ids[: self.opt.feedback_tasks]:
            shown = compressed_text(comp_dir, comp[task_id], max_chars)
            inputs = {"task": self.task_by_id[task_id].instruction, "guideline": parent.text,
                      "compressed_context": shown}  # fmt: skip
            if mode == "contrastive":
                full = full_text(base_dir, base[task_id], max_chars)
                pred = self._predict(ContrastiveFeedback, full_context=full, **inputs)
            else:
                pred = self._predict(FailureFeedback, **inputs)
            if pred is not None:
                items.append(
                    f"Task {task_id}:\n- lost facts: {pred.lost_facts}\n- lost state: "
                    f"{pred.lost_state}\n- wrong summaries: {pred.wrong_summaries}\n"
                    f"- keep: {pred.keep}"
                )
        if not items:
            return self._skipped(rnd, "ut", parent, "no usable feedback")
        texts = self._propose(ProposeGuideline, parent.text, "feedback", items, rnd, "ut")
        outcome = self._select("ut", rnd, parent, texts, priority=ids, feedback=items)
        outcome.feedback_mode = mode
        return outcome

    def compression_step(self, parent: Scored, rnd: int) -> StepOutcome:
        comp, comp_dir = self.evaluator.with_guideline(parent.text, self.tasks)
        ids = successes(comp)
        log.info("CO: %d tasks succeeded with compression", len(ids))
        if not ids:
            return self._skipped(rnd, "co", parent, "no task succeeded with compression")
        items = []
        for task_id in ids[: self.opt.feedback_tasks]:
            pred = self._predict(
                UsageAnalysis, task=self.task_by_id[task_id].instruction, guideline=parent.text,
                compressed_context=compressed_text(comp_dir, comp[task_id],
                                                   self.opt.max_context_chars),
            )  # fmt: skip
            if pred is not None:
                items.append(f"Task {task_id}:\n- used: {pred.used}\n- never needed: {pred.unused}")
        if not items:
            return self._skipped(rnd, "co", parent, "no usable analysis")
        texts = self._propose(ShortenGuideline, parent.text, "analysis", items, rnd, "co")
        return self._select("co", rnd, parent, texts, priority=ids, feedback=items)

    # -- proposals and selection ------------------------------------------------------

    def _propose(
        self, signature: type, parent_text: str, field_name: str, items: list[str],
        rnd: int, step: str,
    ) -> list[str]:  # fmt: skip
        rng = random.Random(f"{self.opt.seed}-{rnd}-{step}")
        texts: list[str] = []
        for i in range(self.opt.n_candidates):
            sample = rng.sample(items, min(self.opt.feedback_sample, len(items)))
            pred = self._predict(
                signature, sample=i, temperature=self.opt.temperature,
                guideline=parent_text, **{field_name: "\n\n".join(sample)},
            )  # fmt: skip
            if pred is None:
                continue
            text = str(pred.new_guideline or "").strip()
            if text and text != parent_text.strip() and text not in texts:
                texts.append(text)
        log.info(
            "%s: %d distinct new candidates of %d asked",
            step.upper(),
            len(texts),
            self.opt.n_candidates,
        )
        return texts

    def _predict(
        self, signature: type, *, sample: int = 0, temperature: float | None = None,
        **inputs: str,
    ) -> Any:  # fmt: skip
        """One DSPy call on the optimizer role; None when the reply is unusable."""
        lm = dspy_lm(self.client, sample=sample, temperature=temperature)
        try:
            with dspy.context(lm=lm):
                return dspy.Predict(signature)(**inputs)
        except Exception as exc:  # a malformed reply costs one item, not the run
            _reraise_ours(exc)
            log.warning("%s: unusable reply (%s)", signature.__name__, exc)
            return None

    def _subset(self, priority: list[str]) -> list[Task]:
        """The selection subset: the tasks that taught the step first, then the rest."""
        ordered = list(dict.fromkeys([*priority, *(t.id for t in self.tasks)]))
        return [self.task_by_id[i] for i in ordered[: self.opt.selection_tasks]]

    def _select(
        self, step: str, rnd: int, parent: Scored, texts: list[str], *,
        priority: list[str], feedback: list[str],
    ) -> StepOutcome:  # fmt: skip
        subset = self._subset(priority)
        ids = [t.id for t in subset]
        parent_rows, _ = self.evaluator.with_guideline(parent.text, subset)
        parent_s = scored(parent.text, parent.version, parent_rows)
        candidates = []
        for text in texts:
            g = save_guideline(self.kind, self.name, text, self.root, lineage={
                "parent": parent.version, "step": step, "round": rnd,
                "feedback": feedback, "method": "acon",
            })  # fmt: skip
            rows, _ = self.evaluator.with_guideline(text, subset)
            s = scored(text, g.version, rows)
            update_lineage(self.kind, self.name, g.version, self.root, score=s.score,
                           peak_tokens=s.tokens, guideline_tokens=s.guideline_tokens,
                           evaluated_on=ids)  # fmt: skip
            log.info("%s candidate v%d: score %.3f, peak %.0f tokens (parent v%d: %.3f, %.0f)",
                     step.upper(), g.version, s.score, s.tokens, parent.version,
                     parent_s.score, parent_s.tokens)  # fmt: skip
            candidates.append(s)
        best = select_best(parent_s, candidates)
        return StepOutcome(
            round=rnd, step=step, parent_version=parent.version, best_version=best.version,
            improved=best.version != parent.version,
            candidates=[{"version": c.version, "score": c.score, "peak_tokens": c.tokens,
                         "guideline_tokens": c.guideline_tokens} for c in candidates],
        )  # fmt: skip

    def _skipped(self, rnd: int, step: str, parent: Scored, reason: str) -> StepOutcome:
        log.info("%s skipped: %s", step.upper(), reason)
        return StepOutcome(rnd, step, parent.version, parent.version, False, skipped=reason)

    # -- versions, state, budget ---------------------------------------------------------

    def _parent(self) -> Scored:
        if "parent_version" not in self.state:
            start = self.opt.start
            origin = load_guideline(self.kind, start.name, start.version, start.dir)
            g = save_guideline(self.kind, self.name, origin.text, self.root, lineage={
                "step": "start", "origin": f"{origin.name} v{origin.version}",
            })  # fmt: skip
            for alias in ("baseline", "best"):
                set_alias(self.kind, self.name, alias, g.version, self.root)
            self.state["parent_version"] = g.version
            self._save_state()
        return self._version(self.state["parent_version"])

    def _version(self, version: int) -> Scored:
        g = load_guideline(self.kind, self.name, version, self.root)
        return Scored(text=g.text, version=g.version, score=0.0, tokens=0.0)

    def _done(self, rnd: int, step: str) -> StepOutcome | None:
        for entry in self.state.get("steps", []):
            if entry["round"] == rnd and entry["step"] == step:
                return StepOutcome(**entry)
        return None

    def _record(self, outcome: StepOutcome) -> None:
        self.state.setdefault("steps", []).append(asdict(outcome))
        self.state["parent_version"] = outcome.best_version
        if outcome.improved:
            set_alias(self.kind, self.name, "best", outcome.best_version, self.root)
        self._save_state()

    def _usage(self) -> dict[str, float]:
        calls, tokens, usd = self.llms.ledger.spent()
        return {"calls": calls, "tokens": tokens, "usd": usd}

    def _load_state(self) -> dict[str, Any]:
        if self.state_path.exists():
            state = json.loads(self.state_path.read_text())
            log.info(
                "Resuming the optimization in %s (%d steps done)",
                self.run_dir,
                len(state.get("steps", [])),
            )
            return state
        return {}

    def _save_state(self) -> None:
        self.state["spent"] = self._usage()
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=2))
        tmp.replace(self.state_path)

    def _finish(self, best: Scored) -> dict[str, Any]:
        self._save_state()
        report = {
            "kind": self.kind,
            "name": self.name,
            "best_version": best.version,
            "guidelines_dir": str(self.root),
            "steps": self.state.get("steps", []),
            "spent": self.state["spent"],
            "usage_by_role": self.llms.ledger.summary(),
        }
        (self.run_dir / "optimizer_report.json").write_text(json.dumps(report, indent=2))
        return report


def _delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in before}


def _reraise_ours(exc: BaseException) -> None:
    """DSPy may wrap our exceptions: a spent budget or a dead endpoint must still stop
    the optimizer with its own one-sentence message."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AconError):
            raise seen
        seen = seen.__cause__ or seen.__context__
