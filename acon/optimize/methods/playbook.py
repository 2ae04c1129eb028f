"""`optimizer=playbook`: the guideline grown as a playbook of rules by small deltas, in
the manner of Agentic Context Engineering (ACE, arXiv 2510.04618: a reflector turns
evidence into candidate items, a curator merges them as deltas instead of rewriting the
whole context, and each item keeps counts of where it helped and hurt).

Over `epochs` passes through the training tasks, in batches of `batch_size`:
1. the current guideline runs on the batch; its contrastive tasks (they succeed without
   compression and fail with it) get the optimizer's feedback (the UT step's program);
2. the reflector turns that feedback into `deltas` candidate rules (the `edits` program,
   acon.optimize.rules: a kind of information and how to keep it, so every rule is
   general by construction);
3. the curator merges them into the playbook (a rule for a kind it already holds with the
   same treatment is a duplicate: merged, not added), the result runs on the batch, and
   each new rule is credited with the tasks it helped and hurt (score up or down against
   the current guideline); the deltas are kept when the batch's mean score does not fall;
4. after each pass, a rule that has only hurt is dropped.
Its output is an ordinary guideline text (the start's text and a rules section), saved
in the run's guideline store with its lineage (the counts included), as every method's.
A rerun into the same folder replays it from the start: every rollout and optimizer answer
comes from the caches, so nothing is paid twice (its earlier versions stay in the store).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from acon.config.schemas import check_positive, schema
from acon.guidelines import GuidelineStore, Lineage
from acon.guidelines.store import resolve
from acon.optimize.config import OptimizerConfig
from acon.optimize.evaluation import CandidateEvaluator, Evaluated, RolloutsSpent
from acon.optimize.leakage import LeakageCheck, as_records, leakage_check
from acon.optimize.methods.base import OptimizerMethod
from acon.optimize.report import OptimizationReport, StepOutcome, change
from acon.optimize.rules import HEADER, Rule, rules_of, with_rule
from acon.optimize.selection import contrastive_set, scored
from acon.rollout import RolloutSpec, make_env
from acon.services import Services

if TYPE_CHECKING:
    from acon.estimate.plan import Planner

log = logging.getLogger(__name__)


@schema("optimizer", "playbook")
@dataclass
class PlaybookConfig(OptimizerConfig):
    _target_: str = "acon.optimize.methods.playbook.PlaybookMethod"
    epochs: int = 1  # passes over the training tasks
    batch_size: int = 2  # tasks per curation
    deltas: int = 2  # candidate rules the reflector proposes per batch

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("epochs", "batch_size", "deltas"):
            check_positive(name, getattr(self, name))

    def versions_planned(self) -> int:
        return 1

    def plan(self, planner: Planner) -> None:
        """PlaybookMethod's spend: the training tasks without compression, then per batch
        the current guideline's rollouts, a feedback call per contrastive task, the
        reflector's picks and the curated guideline's rollouts (assumed every batch)."""
        from acon.optimize import signatures
        from acon.optimize.rules import STEP_TREATMENTS
        from acon.tokens import count_text

        p, kind = planner.profile, self.kind
        n = planner.tasks(self.split, self.n_tasks)
        guided = planner.guided(kind, self.start)
        guideline = count_text(resolve(kind, self.start).text)
        base = planner.rollouts("optimizer: without compression", n, planner.uncompressed())
        epochs = float(self.epochs)
        if self.budget.max_rollouts is not None:  # the passes the shared budget pays for
            epochs = min(epochs, max(self.budget.max_rollouts - n, 0) / (2 * n))
        planner.rollouts("optimizer: the playbook on each batch", epochs * n, guided)
        planner.rollouts("optimizer: the curated playbook", epochs * n, guided)
        contrastive = epochs * n * max(p.success - p.compressed_success, 0.0)
        shown = planner.capped(base.last_context + p.summary_tokens, self.max_context_tokens)
        planner.optimizer_call(
            signatures.ContrastiveFeedback,
            contrastive,
            task=p.task_tokens,
            guideline=guideline,
            full_context=shown,
            compressed_context=shown,
        )
        pick = signatures.rule_edit("ut", list(self.kinds()), list(STEP_TREATMENTS["ut"]))
        batches = epochs * -(-n // self.batch_size)
        planner.optimizer_call(
            pick, batches * self.deltas, guideline=guideline, feedback=p.feedback_tokens
        )


@dataclass
class Entry:
    """A rule in the playbook and the tasks it helped and hurt since it was proposed."""

    rule: Rule
    helpful: int = 0
    harmful: int = 0


@dataclass
class Playbook:
    """The curator's playbook: one entry per kind of information, rendered as a rules
    section at the end of the guideline's own text (`body`)."""

    body: str
    kinds: dict[str, str]
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, kinds: dict[str, str]) -> Playbook:
        entries = {k: Entry(rule) for k, rule in rules_of(text, kinds).items()}
        return cls(text.partition(HEADER)[0].rstrip(), kinds, entries)

    def text(self) -> str:
        out = self.body
        for kind in self.kinds:  # the list's order
            if kind in self.entries:
                out = with_rule(out, self.entries[kind].rule, self.kinds)
        return out

    def merged(self, deltas: list[Rule]) -> tuple[Playbook, list[Rule]]:
        """The playbook with `deltas` merged, and the deltas that changed it (a rule for a
        kind it holds with the same treatment is a duplicate: merged, not added)."""
        entries = {k: dataclasses.replace(e) for k, e in self.entries.items()}
        changed = []
        for rule in deltas:
            held = entries.get(rule.kind)
            if held is not None and held.rule == rule:
                continue
            entries[rule.kind] = Entry(rule)
            changed.append(rule)
        return dataclasses.replace(self, entries=entries), changed

    def credit(self, rules: list[Rule], helped: int, hurt: int) -> None:
        """Count the tasks where `rules` (the deltas just tried) raised and lowered the score."""
        for rule in rules:
            entry = self.entries.get(rule.kind)
            if entry is not None and entry.rule == rule:
                entry.helpful += helped
                entry.harmful += hurt

    def prune(self) -> list[Rule]:
        """Drop the rules that have only hurt; the dropped ones."""
        dropped = [e.rule for e in self.entries.values() if e.harmful > 0 and e.helpful == 0]
        for rule in dropped:
            del self.entries[rule.kind]
        return dropped

    def counts(self) -> dict[str, dict[str, Any]]:
        return {
            k: {"treatment": e.rule.treatment, "helpful": e.helpful, "harmful": e.harmful}
            for k, e in self.entries.items()
        }


class PlaybookMethod(OptimizerMethod):
    name = "playbook"
    label = "Playbook"
    rank = 102
    opt: PlaybookConfig
    evaluator: CandidateEvaluator

    def __init__(self, config: PlaybookConfig, services: Services):
        super().__init__(config, services, plan=["playbook"])
        self.store = GuidelineStore(self.folder.guidelines)
        from acon.optimize.feedback import OptimizerLM

        self.lm = OptimizerLM(self.llms.client("optimizer"))
        self.stopped: str | None = None
        self.leakage: LeakageCheck | None = None
        self.name_in_store = f"{config.name}-playbook"  # its rows and registry entries its own

    def run(self, spec: RolloutSpec) -> OptimizationReport:
        opt = self.opt
        if self.state.steps:  # an earlier attempt in this folder: replayed from the start
            log.info(
                "Replaying the playbook from its start: its rollouts and the optimizer's "
                "answers come from the caches, so nothing is paid twice."
            )
            self.state.steps = []
            self.state.spent_before = {**self.state.spent_before, "rollouts": 0}
        env = make_env(spec.env)
        self.tasks = env.tasks(opt.split)[: opt.n_tasks]
        env.close()
        self.evaluator = CandidateEvaluator(
            spec, self.llms, opt.kind, opt.rollouts_dir, opt.split, self.rollout_budget()
        )
        start = resolve(opt.kind, opt.start)
        playbook = Playbook.of(start.text, opt.kinds())
        version = self._save(playbook, "start", origin=f"{start.name} v{start.version}")
        for alias in ("baseline", "best"):
            self.store.set_alias(opt.kind, self.name_in_store, alias, version)
        try:
            baseline = self.evaluator.baseline(self.tasks)
            self.leakage = (
                leakage_check(self.tasks, baseline, opt.leakage) if opt.leakage.check else None
            )
            for epoch in range(1, opt.epochs + 1):
                for i in range(0, len(self.tasks), opt.batch_size):
                    batch = self.tasks[i : i + opt.batch_size]
                    playbook, version = self._curate(playbook, version, baseline, batch, epoch)
                if dropped := playbook.prune():
                    log.info("Dropped rules that only hurt: %s", dropped)
                    version = self._save(playbook, "prune", parent=version, epoch=epoch)
        except RolloutsSpent as spent:
            self.stopped = str(spent)
            log.warning("Stopping with the playbook so far (v%d): %s.", version, spent)
        self.store.set_alias(opt.kind, self.name_in_store, "best", version)
        return self._report(version, playbook)

    def _curate(
        self, playbook: Playbook, version: int, baseline: Evaluated, batch: list[Any], epoch: int
    ) -> tuple[Playbook, int]:
        from acon.optimize.feedback import feedback
        from acon.optimize.proposal import propose_rules

        opt, current, kinds = self.opt, playbook.text(), self.opt.kinds()
        comp = self.evaluator.guideline(current, batch)
        parent_rollouts = self.evaluator.rollouts
        base = baseline.rows
        ids = contrastive_set(
            {t: base[t] for t in comp.rows if t in base}, comp.rows, opt.score_drop
        )
        outcome = StepOutcome(epoch, len(self.state.steps), "playbook", version, version, False)
        outcome.task_set, outcome.feedback_mode = [t.id for t in batch], "contrastive"
        if not ids:
            self._record(outcome, "no contrastive task in the batch")
            return playbook, version
        items = feedback(
            self.lm,
            ids,
            contrastive=True,
            base=baseline,
            comp=comp,
            guideline=current,
            instructions={t.id: t.instruction for t in batch},
            max_tokens=self.context_tokens,
        )
        outcome.feedback_tasks = ids
        texts = (
            propose_rules(
                self.lm,
                "ut",
                current,
                items,
                kinds,
                n=opt.deltas,
                sample_size=None,
                seed=f"{opt.seed}-{epoch}-{batch[0].id}",
                temperature=opt.temperature,
            )
            if items
            else []
        )
        held = rules_of(current, kinds)
        deltas = [r for t in texts for k, r in rules_of(t, kinds).items() if held.get(k) != r]
        trial, changed = playbook.merged(deltas)
        if not changed:
            self._record(outcome, "every delta was already in the playbook")
            return playbook, version
        text = trial.text()
        leaks = self.leakage.leaks(text, current) if self.leakage is not None else []
        if leaks:  # the rules are rendered from a list: a leak means the list itself leaks
            outcome.leaking = [{"leaks": as_records(leaks), "rejected": opt.leakage.reject}]
            if opt.leakage.reject:
                self._record(outcome, "the curated playbook copies training-task text")
                return playbook, version
        order = [t.id for t in batch]
        rows = self.evaluator.guideline(text, batch).rows
        on = [t for t in order if t in rows and t in comp.rows]  # both scored on these
        before, after = scored(current, version, comp.rows, on), scored(text, 0, rows, on)
        helped = sum(rows[t]["score"] > comp.rows[t]["score"] for t in on)
        hurt = sum(rows[t]["score"] < comp.rows[t]["score"] for t in on)
        trial.credit(changed, helped, hurt)
        kept = after.score >= before.score
        candidate = self._save(
            trial, "playbook", parent=version, epoch=epoch, score=after.score, kept=kept
        )
        outcome.candidates = [
            {
                "version": candidate,
                "score": after.score,
                "peak_tokens": after.tokens,
                "guideline_tokens": after.guideline_tokens,
                "change": change(current, text),
                "rollouts": self.evaluator.rollouts,
            }
        ]
        outcome.parent = {
            "version": version,
            "score": before.score,
            "peak_tokens": before.tokens,
            "rollouts": parent_rollouts,
        }
        outcome.proposals = opt.deltas
        if kept:
            outcome.best_version, outcome.improved = candidate, after.score > before.score
            playbook, version = trial, candidate
        log.info(
            "Playbook batch %s: %s -> %s (%d helped, %d hurt)",
            order,
            [str(r) for r in changed],
            "kept" if kept else "not kept",
            helped,
            hurt,
        )
        self._record(outcome, None)
        return playbook, version

    def _record(self, outcome: StepOutcome, skipped: str | None) -> None:
        outcome.skipped = skipped
        outcome.unusable = self.lm.take_unusable()
        self.state.steps.append(outcome)
        self.on_candidate()

    def _save(
        self,
        playbook: Playbook,
        step: str,
        *,
        parent: int | None = None,
        epoch: int | None = None,
        origin: str | None = None,
        score: float | None = None,
        kept: bool = True,
    ) -> int:
        """The playbook's text as the next version; its rules' counts in the lineage."""
        record = Lineage(
            step=step,
            method="playbook",
            parent=parent,
            round=epoch,
            origin=origin,
            score=score,
            rejected=None if kept else "the batch's score fell: its deltas were not kept",
            extra={"playbook": playbook.counts()},
        )
        return self.store.add(self.opt.kind, self.name_in_store, playbook.text(), record).version

    def _report(self, version: int, playbook: Playbook) -> OptimizationReport:
        (self.folder.path / "playbook.json").write_text(json.dumps(playbook.counts(), indent=2))
        errored = {t for s in self.state.steps for t in s.errored_tasks}
        return self.finish(
            self.name_in_store,
            version,
            str(self.store.root),
            list(self.state.steps),
            sorted(errored),
            self.stopped,
        )
