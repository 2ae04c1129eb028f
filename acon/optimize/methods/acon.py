"""`optimizer=acon`: the paper's Algorithm 1, a utility step, then a compression step, per
round (`optimizer.steps`, in the order given; `[ut, co, ut]` runs UT twice).

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

Stages: rollouts (acon.optimize.evaluation), feedback (feedback.py), proposals
(proposal.py), selection (selection.py), state and budget (state.py). Every candidate is
saved with its lineage in the run's guideline store (`<run>/guidelines`), with the aliases
`baseline` (the starting text) and `best`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acon.config.schemas import InvalidSetting, check_choice, check_positive, schema
from acon.errors import AconError
from acon.guidelines import GuidelineStore, Lineage
from acon.guidelines.store import resolve
from acon.optimize.config import OptimizerConfig
from acon.optimize.contexts import OUTCOME_TOKENS
from acon.optimize.evaluation import CandidateEvaluator, RolloutsSpent
from acon.optimize.leakage import Leak, LeakageCheck, as_records, leakage_check
from acon.optimize.methods.base import OptimizerMethod
from acon.optimize.report import OptimizationReport, StepOutcome, change
from acon.optimize.selection import (
    Scored,
    common_tasks,
    contrastive_set,
    failures,
    scored,
    select_best,
    successes,
)
from acon.rollout import RolloutSpec, make_env
from acon.services import Services
from acon.tokens import count_text

if TYPE_CHECKING:
    from acon.estimate.plan import Planner

log = logging.getLogger(__name__)
STEPS = ("ut", "co")
# UT's proposal programs (acon.optimize.signatures). That module, the feedback and the
# proposal import DSPy, so they are imported when a step runs: the schema registered here
# is imported by every command, and a rollout never needs DSPy (about 0.6 s of start-up).
# `edits` picks a rule from a list (acon.optimize.rules): no program name, no free text.
UT_PROPOSALS = {"rewrite": "ProposeGuideline", "append": "AddInstructions", "edits": None}
CO_PROPOSALS = {"rewrite": "ShortenGuideline", "edits": None}


@schema("optimizer", "acon")
@dataclass
class AconConfig(OptimizerConfig):
    _target_: str = "acon.optimize.methods.acon.AconMethod"
    steps: list[str] = field(default_factory=lambda: ["ut", "co"])  # one round; [ut]: UT only
    rounds: int = 1
    patience: int = 1  # stop after this many rounds without improvement
    n_candidates: int = 5  # the paper's 5
    # Budget caps; null (the paper's): UT's feedback on every task of the contrastive set
    # (CO's on every compressed success) and every feedback item shown to each proposal.
    feedback_tasks: int | None = None  # at most this many tasks get a feedback call per step
    feedback_sample: int | None = None  # at most this many feedback items per proposal
    contrastive: bool = True  # false: the ablation with feedback from compressed failures only
    # UT's proposals: rewrite (the paper's: the whole new guideline) | append (new
    # instructions added to the parent; small local optimizers echo instead of rewriting)
    # | edits (a rule picked from `rule_kinds`, rendered: each candidate a different kind)
    ut_proposal: str = "rewrite"
    # CO's: rewrite (the paper's: a shorter whole guideline) | edits (a kind shortened or
    # left out)
    co_proposal: str = "rewrite"

    def __post_init__(self) -> None:
        super().__post_init__()
        bad = [s for s in self.steps if s not in STEPS]
        if bad or not self.steps:
            raise InvalidSetting("steps", list(self.steps), "use a list of ut and co, e.g. [ut,co]")
        check_choice("ut_proposal", self.ut_proposal, UT_PROPOSALS)
        check_choice("co_proposal", self.co_proposal, CO_PROPOSALS)
        for name in ("rounds", "patience", "n_candidates", "feedback_tasks", "feedback_sample"):
            check_positive(name, getattr(self, name))

    def versions_planned(self) -> int:
        return len(self.steps) * self.rounds

    def _program(self, name: str | None, step: str) -> Any:
        """A step's proposal program (DSPy), for sizing its prompt."""
        from acon.optimize import signatures
        from acon.optimize.rules import STEP_TREATMENTS

        if name is None:
            return signatures.rule_edit(step, list(self.kinds()), list(STEP_TREATMENTS[step]))
        return getattr(signatures, name)

    def plan(self, planner: Planner) -> None:
        """Algorithm 1 as AconMethod runs it (the estimate's assumptions: acon.estimate.plan):
        both training arms, then per step its feedback calls, its proposals and its
        candidates' selection rollouts (and a new parent's training rollouts)."""
        from acon.optimize import signatures  # DSPy: the programs' prompts are sized

        p, kind, capped = planner.profile, self.kind, planner.capped
        n = planner.tasks(self.split, self.n_tasks)
        guided = planner.guided(kind, self.start)
        guideline = count_text(resolve(kind, self.start).text)
        shown_max = self.max_context_tokens  # what one context shown to the optimizer keeps
        base = planner.rollouts("optimizer: without compression", n, planner.uncompressed())
        comp = planner.rollouts("optimizer: the starting guideline", n, guided)
        contrastive = n * max(p.success - p.compressed_success, 0.0)
        subset = None  # the last step's selection tasks, when it had candidates
        for step in [s for _ in range(self.rounds) for s in self.steps]:
            if subset is not None:  # a new parent: its training rollouts, less the subset's
                planner.rollouts(f"optimizer: {step} parent", n - subset, guided)
            if step == "ut":
                ids = contrastive if self.contrastive and round(contrastive) else 0.0
                program = signatures.ContrastiveFeedback if ids else signatures.FailureFeedback
                full = capped(base.last_context + OUTCOME_TOKENS, shown_max) if ids else 0.0
                ids = ids or n * (1 - p.compressed_success)
                proposal = self._program(UT_PROPOSALS[self.ut_proposal], step)
            else:
                ids, program, full = n * p.compressed_success, signatures.UsageAnalysis, 0.0
                proposal = self._program(CO_PROPOSALS[self.co_proposal], step)
            if not round(ids):
                subset = None  # skipped: nothing to learn from
                continue
            compressed = (
                capped(comp.compressor_output, shown_max)
                + capped(comp.last_context, shown_max)
                + OUTCOME_TOKENS
            )
            planner.optimizer_call(
                program,
                capped(ids, self.feedback_tasks),
                task=p.task_tokens,
                guideline=guideline,
                full_context=full,
                compressed_context=compressed,
            )
            shown = capped(capped(ids, self.feedback_tasks), self.feedback_sample)
            options = (
                count_text("\n".join(self.kinds().values()))
                if "options" in str(proposal.input_fields)
                else 0
            )
            planner.optimizer_call(
                proposal,
                self.n_candidates,
                guideline=guideline,
                feedback=shown * p.feedback_tokens,
                options=options,
            )
            subset = capped(n if self.pad_selection else ids, self.selection_tasks)
            planner.rollouts(f"optimizer: {step} candidates", self.n_candidates * subset, guided)


class AconMethod(OptimizerMethod):
    name = "acon"
    label = "Acon"
    rank = 100
    opt: AconConfig
    evaluator: CandidateEvaluator

    def __init__(self, config: AconConfig, services: Services):
        super().__init__(config, services, plan=config.steps)
        self.kind = config.kind
        self.store = GuidelineStore(self.folder.guidelines)
        from acon.optimize.feedback import OptimizerLM

        self.lm = OptimizerLM(self.llms.client("optimizer"))
        self._leakage: LeakageCheck | None = None  # built from the first step's rollouts

    # -- the loop -------------------------------------------------------------------------

    def run(self, spec: RolloutSpec) -> OptimizationReport:
        env = make_env(spec.env)
        self.tasks = env.tasks(self.opt.split)[: self.opt.n_tasks]
        env.close()
        self.instructions = {t.id: t.instruction for t in self.tasks}
        self.evaluator = CandidateEvaluator(
            spec, self.llms, self.kind, self.opt.rollouts_dir, self.opt.split, self.rollout_budget()
        )
        self.stopped: str | None = None  # the rollout budget, when it ran out
        try:
            return self._run()
        except AconError:
            self.state.save(self.spent())  # what was spent counts against a resume's budget
            raise

    def _run(self) -> OptimizationReport:
        parent = self._parent()
        stale = 0
        for rnd in range(1, self.opt.rounds + 1):
            improved = False
            for position, step in enumerate(self.opt.steps):
                outcome = self.state.done(rnd, position)
                if outcome is None:
                    log.info(
                        "Round %d, step %d (%s), from %s v%d",
                        rnd,
                        position + 1,
                        step.upper(),
                        self.opt.name,
                        parent.version,
                    )
                    before = self.spent()
                    try:
                        outcome = (self.utility_step if step == "ut" else self.compression_step)(
                            parent, rnd, position
                        )
                    except RolloutsSpent as spent:  # before the step could propose: not done
                        self.stopped = str(spent)
                        break
                    outcome.unusable = self.lm.take_unusable()
                    outcome.usage = {k: self.spent()[k] - before[k] for k in before}
                    if outcome.improved:
                        self.store.set_alias(self.kind, self.opt.name, "best", outcome.best_version)
                    self.state.record(outcome, self.spent())
                if outcome.improved:
                    improved = True
                    parent = self._version(outcome.best_version)
                if self.stopped:
                    break
            if self.stopped:
                log.warning(
                    "Stopping with the best so far (v%d): %s.", parent.version, self.stopped
                )
                break
            stale = 0 if improved else stale + 1
            if stale >= self.opt.patience:
                log.info("No improvement in %d round(s): stopping.", stale)
                break
        return self._report(parent)

    def utility_step(self, parent: Scored, rnd: int, position: int) -> StepOutcome:
        from acon.optimize.feedback import feedback

        base = self.evaluator.baseline(self.tasks)
        comp = self.evaluator.guideline(parent.text, self.tasks)
        errored = sorted(set(base.errored) | set(comp.errored))
        mode = "contrastive" if self.opt.contrastive else "failures"
        ids = (
            contrastive_set(base.rows, comp.rows, self.opt.score_drop)
            if self.opt.contrastive
            else []
        )
        if not ids:
            ids = failures(comp.rows)
            if self.opt.contrastive:
                mode = "failures (fallback: empty contrastive set)"
        log.info("UT: %d tasks give feedback (%s): %s", len(ids), mode, ", ".join(ids))
        if not ids:
            return self._skipped(
                rnd, position, "ut", parent, "no compressed run failed: nothing to fix", errored
            )
        selection, ids = ids, ids[: self.opt.feedback_tasks]
        items = feedback(
            self.lm,
            ids,
            contrastive=mode == "contrastive",
            base=base,
            comp=comp,
            guideline=parent.text,
            instructions=self.instructions,
            max_tokens=self.context_tokens,
        )
        if not items:
            return self._skipped(rnd, position, "ut", parent, "no usable feedback", errored)
        program = UT_PROPOSALS[self.opt.ut_proposal]
        texts = self._propose(program, parent.text, "feedback", items, rnd, position, "ut")
        outcome = self._select("ut", rnd, position, parent, texts, on=selection, feedback=items)
        outcome.feedback_mode, outcome.task_set, outcome.feedback_tasks = mode, selection, ids
        outcome.errored_tasks = sorted(set(outcome.errored_tasks) | set(errored))
        return outcome

    def compression_step(self, parent: Scored, rnd: int, position: int) -> StepOutcome:
        from acon.optimize.feedback import usage

        comp = self.evaluator.guideline(parent.text, self.tasks)
        ids = successes(comp.rows)
        log.info("CO: %d tasks succeeded with compression: %s", len(ids), ", ".join(ids))
        if not ids:
            return self._skipped(
                rnd, position, "co", parent, "no task succeeded with compression", comp.errored
            )
        selection, ids = ids, ids[: self.opt.feedback_tasks]
        items = usage(
            self.lm,
            ids,
            comp=comp,
            guideline=parent.text,
            instructions=self.instructions,
            max_tokens=self.context_tokens,
        )
        if not items:
            return self._skipped(rnd, position, "co", parent, "no usable analysis", comp.errored)
        program = CO_PROPOSALS[self.opt.co_proposal]
        texts = self._propose(program, parent.text, "analysis", items, rnd, position, "co")
        outcome = self._select("co", rnd, position, parent, texts, on=selection, feedback=items)
        outcome.feedback_mode, outcome.task_set, outcome.feedback_tasks = (
            "successes",
            selection,
            ids,
        )
        outcome.errored_tasks = sorted(set(outcome.errored_tasks) | set(comp.errored))
        return outcome

    # -- proposals and selection ------------------------------------------------------

    def _propose(
        self,
        program: str | None,
        parent_text: str,
        field_name: str,
        items: list[str],
        rnd: int,
        position: int,
        step: str,
    ) -> list[str]:
        """The step's candidates from `program` (a signature's name; None: `edits`)."""
        from acon.optimize import signatures
        from acon.optimize.proposal import propose, propose_rules

        o = self.opt
        n, sample, seed = o.n_candidates, o.feedback_sample, f"{o.seed}-{rnd}-{position}-{step}"
        first = (rnd - 1) * n  # a later round from the same parent asks for new samples
        if program is None:
            return propose_rules(
                self.lm,
                step,
                parent_text,
                items,
                o.kinds(),
                n=n,
                sample_size=sample,
                seed=seed,
                temperature=o.temperature,
                first_sample=first,
            )
        return propose(
            self.lm,
            getattr(signatures, program),
            parent_text,
            field_name,
            items,
            n=n,
            sample_size=sample,
            seed=seed,
            temperature=o.temperature,
            step=step,
            first_sample=first,
        )

    def _subset(self, step: str, on: list[str]) -> list[Any]:
        """The selection subset, as the paper: UT's on the tasks it learned from (the
        contrastive set), CO's on the compressed successes; with `pad_selection`, other
        training tasks fill it up to `selection_tasks`."""
        by_id = {t.id: t for t in self.tasks}
        ordered = list(dict.fromkeys([*on, *by_id])) if self.opt.pad_selection else on
        subset = [by_id[i] for i in ordered[: self.opt.selection_tasks]]
        log.info(
            "%s selection on %d task(s)%s: %s",
            step.upper(),
            len(subset),
            " (padded)" if self.opt.pad_selection else "",
            ", ".join(t.id for t in subset),
        )
        return subset

    def _select(
        self,
        step: str,
        rnd: int,
        position: int,
        parent: Scored,
        texts: list[str],
        *,
        on: list[str],
        feedback: list[str],
    ) -> StepOutcome:
        subset = self._subset(step, on)
        order = [t.id for t in subset]
        parent_rows = self.evaluator.guideline(parent.text, subset).rows
        spent_at = {parent.version: self.evaluator.rollouts}  # rollouts spent once scored
        evaluated, rejected = [], []
        for text in texts:
            leaks = self._leaks(text, parent.text)
            records, refuse = as_records(leaks), bool(leaks) and self.opt.leakage.reject
            g = self.store.add(
                self.kind,
                self.opt.name,
                text,
                Lineage(
                    parent=parent.version,
                    step=step,
                    round=rnd,
                    position=position,
                    feedback=feedback,
                    method="acon",
                    leaks=records,
                    rejected="copies training-task text" if refuse else None,
                ),
            )
            self.on_candidate()
            if leaks:
                log.warning(
                    "%s candidate v%d copies training-task text (%s)%s",
                    step.upper(),
                    g.version,
                    "; ".join(leak.describe() for leak in leaks[:3]),
                    ": rejected, not evaluated" if refuse else "",
                )
                rejected.append({"version": g.version, "leaks": records, "rejected": refuse})
            if not refuse and not self.stopped:
                try:
                    evaluated.append((g.version, text, self.evaluator.guideline(text, subset).rows))
                    spent_at[g.version] = self.evaluator.rollouts
                except RolloutsSpent as spent:  # this candidate and the rest go unscored
                    self.stopped = str(spent)
                    log.warning(
                        "%s candidate v%d not evaluated: %s", step.upper(), g.version, spent
                    )
        # every candidate and the parent are scored on the same finished tasks
        common = common_tasks(order, parent_rows, *(rows for _, _, rows in evaluated))
        errored = [t for t in order if t not in common]
        parent_s = scored(parent.text, parent.version, parent_rows, common)
        candidates = []
        for version, text, rows in evaluated:
            s = scored(text, version, rows, common)
            self.store.update(
                self.kind,
                self.opt.name,
                version,
                score=s.score,
                peak_tokens=s.tokens,
                guideline_tokens=s.guideline_tokens,
                evaluated_on=common,
                errored_tasks=errored,
            )
            self.on_candidate()
            log.info(
                "%s candidate v%d: score %.3f, peak %.0f tokens (parent v%d: %.3f, %.0f)",
                step.upper(),
                version,
                s.score,
                s.tokens,
                parent.version,
                parent_s.score,
                parent_s.tokens,
            )
            candidates.append(s)
        best = select_best(parent_s, candidates)
        outcome = StepOutcome(
            round=rnd,
            position=position,
            step=step,
            parent_version=parent.version,
            best_version=best.version,
            improved=best.version != parent.version,
            candidates=[
                {
                    "version": c.version,
                    "score": c.score,
                    "peak_tokens": c.tokens,
                    "guideline_tokens": c.guideline_tokens,
                    "change": change(parent.text, c.text),
                    "rollouts": spent_at[c.version],
                }
                for c in candidates
            ],
            parent={
                "version": parent.version,
                "score": parent_s.score,
                "peak_tokens": parent_s.tokens,
                "rollouts": spent_at[parent.version],
            },
            proposals=self.opt.n_candidates,
            errored_tasks=errored,
            leaking=rejected,
        )
        log.info("%s decision on %d task(s): %s", step.upper(), len(common), outcome.decision())
        return outcome

    def _leaks(self, text: str, parent_text: str) -> list[Leak]:
        """Training-task text in a candidate (acon.optimize.leakage), against the tasks'
        uncompressed runs; none when `optimizer.leakage.check` is off."""
        if not self.opt.leakage.check:
            return []
        if self._leakage is None:
            base = self.evaluator.baseline(self.tasks)
            self._leakage = leakage_check(self.tasks, base, self.opt.leakage)
        return self._leakage.leaks(text, parent_text)

    def _skipped(
        self, rnd: int, position: int, step: str, parent: Scored, reason: str, errored: list[str]
    ) -> StepOutcome:
        log.info("%s skipped: %s", step.upper(), reason)
        return StepOutcome(
            rnd,
            position,
            step,
            parent.version,
            parent.version,
            False,
            skipped=reason,
            errored_tasks=sorted(errored),
        )

    # -- versions, budget, report ---------------------------------------------------------

    def _parent(self) -> Scored:
        if self.state.parent_version is None:
            origin = resolve(self.kind, self.opt.start)
            lineage = Lineage(
                step="start", method="acon", origin=f"{origin.name} v{origin.version}"
            )
            g = self.store.add(self.kind, self.opt.name, origin.text, lineage)
            for alias in ("baseline", "best"):
                self.store.set_alias(self.kind, self.opt.name, alias, g.version)
            self.state.parent_version = g.version
            self.state.save(self.spent())
        return self._version(self.state.parent_version)

    def _version(self, version: int) -> Scored:
        g = self.store.load(self.kind, self.opt.name, version)
        return Scored(text=g.text, version=g.version, score=0.0, tokens=0.0)

    def _report(self, best: Scored) -> OptimizationReport:
        errored = {t for s in self.state.steps for t in s.errored_tasks}
        return self.finish(
            self.opt.name,
            best.version,
            str(Path(self.store.root)),
            list(self.state.steps),
            sorted(errored),
            self.stopped,
        )
