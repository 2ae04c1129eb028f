"""`optimizer=gepa`: GEPA (the gepa package) optimizing the same guideline on the same
system, with the same budget, as a comparison.

- `evaluate(batch, candidate)`: roll the tasks out with `candidate[kind]` as the guideline
  (through the same cached CandidateEvaluator as Acon's optimizer); the score is the task
  score, and a task that errored is left out of the batch's scores.
- `make_reflective_dataset`: per task, the compressed context the guideline produced and
  feedback that contrasts the outcome with the uncompressed run's.
- A proposal that copies training-task text (acon.optimize.leakage) scores 0 on every task
  without a rollout when `optimizer.leakage.reject` (so GEPA drops it) and is kept in the
  guideline store with its leaks and `rejected`; otherwise its leaks are in its lineage.
- Proposals use gepa's own reflective prompt, answered by the `optimizer` role through the
  accounted LLM layer. gepa swallows a failed proposal and goes on; here an endpoint that
  refuses the request (or is down, or the budget is spent) stops GEPA at its next check and
  fails the run with that error's sentence, and a run whose every proposal failed fails.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from acon.config.schemas import check_positive, schema
from acon.environment import Task
from acon.errors import AconError
from acon.guidelines import GuidelineStore, Lineage
from acon.guidelines.store import resolve
from acon.llm.client import ChatClient, LLMCallError
from acon.llm.usage import BudgetExceeded
from acon.optimize.config import OptimizerConfig
from acon.optimize.contexts import OUTCOME_TOKENS, compressed_text, outcome
from acon.optimize.evaluation import CandidateEvaluator, RolloutsSpent
from acon.optimize.leakage import Leak, LeakageCheck, as_records, leakage_check
from acon.optimize.methods.base import OptimizerMethod
from acon.optimize.report import OptimizationReport, StepOutcome
from acon.rollout import RolloutSpec, make_env
from acon.services import Services
from acon.tokens import count_text

if TYPE_CHECKING:
    from acon.estimate.plan import Planner

log = logging.getLogger(__name__)


@schema("optimizer", "gepa")
@dataclass
class GepaConfig(OptimizerConfig):
    _target_: str = "acon.optimize.methods.gepa.GepaMethod"
    max_metric_calls: int = 24  # task rollouts GEPA may spend
    reflection_minibatch_size: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive("max_metric_calls", self.max_metric_calls)
        check_positive("reflection_minibatch_size", self.reflection_minibatch_size)

    def plan(self, planner: Planner) -> None:
        """GEPA's spend as GepaMethod runs it: the training tasks without compression (the
        reflective feedback's contrast), then `max_metric_calls` guideline rollouts (GEPA's
        budget counts every task it evaluates, the seed's validation included), and a
        reflection per two minibatches of them (the parent's and the child's) at most, each
        prompt GEPA's template, the guideline and the minibatch's records (task, compressed
        context, feedback contrasting both outcomes)."""
        from gepa.strategies.instruction_proposal import InstructionProposalSignature

        p, m = planner.profile, self.reflection_minibatch_size
        n = planner.tasks(self.split, self.n_tasks)
        validation = min(n, self.selection_tasks or n)
        planner.rollouts("optimizer: without compression", n, planner.uncompressed())
        guided = planner.guided(self.kind, self.start)
        calls = self.max_metric_calls
        if self.budget.max_rollouts is not None:  # the shared budget stops it first
            calls = min(calls, max(self.budget.max_rollouts - n, 0))
        one = planner.rollouts("optimizer: GEPA's evaluations", calls, guided)
        shown_max, capped = self.max_context_tokens, planner.capped
        record = (
            p.task_tokens
            + capped(one.compressor_output, shown_max)
            + capped(one.last_context, shown_max)
            + 2 * OUTCOME_TOKENS
        )
        prompt = (
            count_text(InstructionProposalSignature.default_prompt_template)
            + count_text(resolve(self.kind, self.start).text)
            + m * record
        )
        reflections = max(calls - validation, 0) / (2 * m)
        planner.optimizer_prompt(prompt, p.proposal_tokens, reflections)


class AconGEPAAdapter:
    # None: gepa proposes with its own reflective prompt (answered by `reflection_lm`).
    propose_new_texts = None

    def __init__(
        self,
        evaluator: CandidateEvaluator,
        baseline: dict[str, dict[str, Any]],
        max_tokens: int | None = None,
        leakage: LeakageCheck | None = None,
        start: str = "",
        reject: bool = True,
    ):
        self.evaluator = evaluator
        self.kind = evaluator.kind
        self.baseline = baseline
        self.max_tokens = max_tokens
        self.errored: set[str] = set()
        self.leakage, self.start, self.reject = leakage, start, reject
        self.leaks: dict[str, list[Leak]] = {}  # candidate text -> its leaks (if any)
        self.stopped: str | None = None  # the rollout budget ran out (optimizer.budget)
        self.iteration = 0  # rollouts one GEPA iteration may ask for (set by GepaMethod)

    def leaks_of(self, text: str) -> list[Leak]:
        if self.leakage is None:
            return []
        if text not in self.leaks:
            self.leaks[text] = self.leakage.leaks(text, self.start)
            if self.leaks[text]:
                log.warning(
                    "GEPA candidate copies training-task text (%s)%s",
                    "; ".join(leak.describe() for leak in self.leaks[text][:3]),
                    ": rejected, not evaluated" if self.reject else "",
                )
        return self.leaks[text]

    def evaluate(
        self, batch: list[Task], candidate: dict[str, str], capture_traces: bool = False
    ) -> Any:
        from gepa import EvaluationBatch

        unscored = EvaluationBatch(
            outputs=[{} for _ in batch],
            scores=[0.0 for _ in batch],
            trajectories=[] if capture_traces else None,
        )
        if self.stopped or (self.reject and self.leaks_of(candidate[self.kind])):
            return unscored
        try:
            result = self.evaluator.guideline(candidate[self.kind], batch)
        except RolloutsSpent as spent:  # a safety net: the stopper keeps iterations inside
            self.stopped = str(spent)
            log.warning("GEPA stops: %s.", spent)
            return unscored
        self.errored |= set(result.errored)
        done = [t for t in batch if t.id in result.rows]
        outputs = [result.rows[t.id] for t in done]
        traces = [{"task": t, "row": result.rows[t.id], "dir": result.folder} for t in done]
        return EvaluationBatch(
            outputs=outputs,
            scores=[float(r["score"]) for r in outputs],
            trajectories=traces if capture_traces else None,
        )

    def stop(self, gepa_state: Any) -> bool:
        """A gepa stopper, asked between iterations: stop when the rollout budget cannot pay
        for a whole iteration (`iteration`: the parent's and the child's minibatch and the
        validation set), so no evaluation is cut short and scored 0 for want of budget."""
        if self.stopped is None and self.evaluator.max_rollouts is not None:
            left = self.evaluator.max_rollouts - self.evaluator.rollouts
            if left < self.iteration:
                self.stopped = (
                    f"the rollout budget (optimizer.budget.max_rollouts="
                    f"{self.evaluator.max_rollouts}) leaves {left} rollouts, less than one GEPA "
                    f"iteration may need ({self.iteration})"
                )
        return self.stopped is not None

    def make_reflective_dataset(
        self, candidate: dict[str, str], eval_batch: Any, components_to_update: list[str]
    ) -> Mapping[str, Sequence[Mapping[str, Any]]]:
        records = []
        for trace in eval_batch.trajectories or []:
            task, row = trace["task"], trace["row"]
            base = self.baseline.get(task.id)
            verdict = outcome(row)
            if base is not None:
                verdict += f" Without compression: {outcome(base)}"
            records.append(
                {
                    "Inputs": task.instruction,
                    "Generated Outputs": compressed_text(trace["dir"], row, self.max_tokens),
                    "Feedback": verdict,
                }
            )
        return {name: records for name in components_to_update}


class Reflection:
    """gepa's `reflection_lm` on the optimizer role, remembering what gepa would swallow:
    the first error that will recur on every call stops the run (`stop` is a gepa
    stopper), and replies are counted."""

    def __init__(self, client: ChatClient, temperature: float):
        self.client = client
        self.temperature = temperature
        self.calls = 0
        self.failed: list[str] = []
        self.fatal: AconError | None = None

    def __call__(self, prompt: str | list[dict[str, Any]]) -> str:
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        self.calls += 1
        try:
            return self.client.chat(messages, temperature=self.temperature, sample=self.calls).text
        except (LLMCallError, BudgetExceeded) as exc:
            self.failed.append(str(exc))
            self.fatal = self.fatal or exc
            raise

    def stop(self, gepa_state: Any) -> bool:
        return self.fatal is not None


class GepaMethod(OptimizerMethod):
    name = "gepa"
    label = "GEPA"
    rank = 101
    opt: GepaConfig

    def __init__(self, config: GepaConfig, services: Services):
        super().__init__(config, services, plan=["gepa"])

    def run(self, spec: RolloutSpec) -> OptimizationReport:
        import gepa

        opt = self.opt
        env = make_env(spec.env)
        tasks = env.tasks(opt.split)[: opt.n_tasks]
        env.close()
        budget = self.rollout_budget()
        evaluator = CandidateEvaluator(
            spec, self.llms, opt.kind, opt.rollouts_dir, opt.split, budget
        )
        self.evaluator = evaluator
        baseline = evaluator.baseline(tasks)
        calls = opt.max_metric_calls
        if budget is not None:
            # GEPA counts every task it evaluates (a repeat included): it stops inside the
            # budget that the training rollouts leave
            calls = min(calls, budget - evaluator.rollouts)
            if calls < 1:
                raise AconError(
                    f"optimizer.budget.max_rollouts leaves GEPA no evaluation after its "
                    f"{evaluator.rollouts} training rollouts: raise it."
                )
        start = resolve(opt.kind, opt.start)
        reflection = Reflection(self.llms.client("optimizer"), opt.temperature)
        check = leakage_check(tasks, baseline, opt.leakage) if opt.leakage.check else None
        adapter = AconGEPAAdapter(
            evaluator, baseline.rows, self.context_tokens, check, start.text, opt.leakage.reject
        )
        valset = tasks[: opt.selection_tasks]
        adapter.iteration = 2 * opt.reflection_minibatch_size + len(valset)
        result: Any = gepa.optimize(
            seed_candidate={opt.kind: start.text},
            trainset=tasks,
            valset=valset,
            adapter=cast(Any, adapter),  # gepa's protocol, typed for its own adapters
            reflection_lm=reflection,
            max_metric_calls=calls,
            reflection_minibatch_size=opt.reflection_minibatch_size,
            stop_callbacks=[reflection.stop, adapter.stop],
            run_dir=str(self.folder.path / "gepa"),
            seed=opt.seed,
        )
        if reflection.fatal is not None:
            raise reflection.fatal
        if reflection.calls and len(reflection.failed) == reflection.calls:
            raise AconError(
                f"Every one of GEPA's {reflection.calls} proposals failed "
                f"({reflection.failed[-1]}): fix the optimizer role (llm.optimizer)."
            )
        origin = f"{start.name} v{start.version}"
        name, best, root = self._save(result, origin, adapter.leaks)
        steps = [self._search(result, training=len(baseline.rows) + len(baseline.errored))]
        errored = sorted(adapter.errored | set(baseline.errored))
        return self.finish(name, best, root, steps, errored, adapter.stopped)

    @staticmethod
    def _search(result: Any, training: int) -> StepOutcome:
        """GEPA's candidates as one step: each with its validation score and the rollouts
        spent when GEPA found it (its metric calls and the training rollouts before them)."""
        found = list(getattr(result, "discovery_eval_counts", []) or [])
        candidates = [
            {
                "version": i + 1,
                "score": float(score),
                "peak_tokens": None,
                "rollouts": training + int(found[i]) if i < len(found) else None,
            }
            for i, score in enumerate(result.val_aggregate_scores)
        ]
        best = int(result.best_idx) + 1
        step = StepOutcome(1, 0, "gepa", 1, best, best != 1, candidates=candidates[1:])
        step.parent = candidates[0]
        step.proposals = len(candidates) - 1
        return step

    def _save(self, result: Any, origin: str, leaks: dict[str, list[Leak]]) -> tuple[str, int, str]:
        """GEPA's candidates into the run's guideline store: (its name, the best version,
        the store's root)."""
        opt = self.opt
        store = GuidelineStore(self.folder.guidelines)
        name = f"{opt.name}-gepa"
        if store.versions(opt.kind, name):  # a finished run, read again
            best = store.aliases(opt.kind, name)["best"]
        else:
            for i, candidate in enumerate(result.candidates):
                g = store.add(
                    opt.kind,
                    name,
                    candidate[opt.kind],
                    Lineage(
                        step="start" if i == 0 else "gepa",
                        method="gepa",
                        gepa_index=i,
                        parents=[p for p in result.parents[i] if p is not None] or None,
                        score=result.val_aggregate_scores[i],
                        origin=origin if i == 0 else None,
                        leaks=as_records(leaks.get(candidate[opt.kind], [])),
                    ),
                )
                if i == 0:
                    store.set_alias(opt.kind, name, "baseline", g.version)
                if i == result.best_idx:
                    store.set_alias(opt.kind, name, "best", g.version)
            kept = {c[opt.kind] for c in result.candidates}
            for text, found in leaks.items():  # GEPA dropped them: their record is here
                if found and text not in kept:
                    store.add(
                        opt.kind,
                        name,
                        text,
                        Lineage(
                            step="gepa",
                            method="gepa",
                            leaks=as_records(found),
                            rejected="copies training-task text" if opt.leakage.reject else None,
                        ),
                    )
            best = result.best_idx + 1
        return name, best, str(store.root)
