"""The same system behind gepa's adapter protocol, so GEPA can optimize the guideline as
a comparison (`optimizer.method=gepa`).

- `evaluate(batch, candidate)`: roll the tasks out with `candidate[kind]` as the guideline
  (through the same cached GuidelineEvaluator as Acon's optimizer); the score is the task
  score.
- `make_reflective_dataset`: per task, the compressed context the guideline produced and
  feedback that contrasts the outcome with the uncompressed run's.
- Proposals use gepa's own reflective prompt, answered by the `optimizer` role through
  the accounted LLM layer; the run's Budget applies to every call, as for Acon.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from acon.compression.guidelines import load_guideline, save_guideline, set_alias
from acon.environment import Task
from acon.llm.usage import Budget
from acon.optimize.contexts import compressed_text, outcome
from acon.optimize.evaluator import GuidelineEvaluator
from acon.rollout import make_env


class AconGEPAAdapter:
    # None: gepa proposes with its own reflective prompt (answered by `reflection_lm`).
    propose_new_texts = None

    def __init__(self, evaluator: GuidelineEvaluator, baseline: dict[str, dict[str, Any]],
                 max_chars: int = 6000):  # fmt: skip
        self.evaluator = evaluator
        self.kind = evaluator.kind
        self.baseline = baseline
        self.max_chars = max_chars

    def evaluate(
        self, batch: list[Task], candidate: dict[str, str], capture_traces: bool = False
    ) -> Any:
        from gepa import EvaluationBatch

        rows, folder = self.evaluator.with_guideline(candidate[self.kind], batch)
        outputs = [rows[t.id] for t in batch]
        traces = [{"task": t, "row": rows[t.id], "dir": folder} for t in batch]
        return EvaluationBatch(
            outputs=outputs,
            scores=[float(r["score"]) for r in outputs],
            trajectories=traces if capture_traces else None,
        )

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
            records.append({
                "Inputs": task.instruction,
                "Generated Outputs": compressed_text(trace["dir"], row, self.max_chars),
                "Feedback": verdict,
            })  # fmt: skip
        return {name: records for name in components_to_update}


def run_gepa(cfg: Any, llms: Any, run_dir: Path) -> dict[str, Any]:
    import gepa

    opt = cfg.optimizer
    b = opt.budget
    llms.ledger.budget = Budget(b.max_calls, b.max_tokens, b.max_usd)
    env = make_env(cfg)
    tasks = env.tasks(opt.split)[: opt.n_tasks]
    env.close()
    evaluator = GuidelineEvaluator(cfg, llms, opt.kind, Path(opt.rollouts_dir), opt.split)
    baseline, _ = evaluator.baseline(tasks)
    start = load_guideline(opt.kind, opt.start.name, opt.start.version, opt.start.dir)
    client = llms.client("optimizer")

    def reflection_lm(prompt: str | list[dict[str, Any]]) -> str:
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        return client.chat(messages, temperature=opt.temperature).text

    result = gepa.optimize(
        seed_candidate={opt.kind: start.text},
        trainset=tasks,
        valset=tasks[: opt.selection_tasks],
        adapter=AconGEPAAdapter(evaluator, baseline, opt.max_context_chars),
        reflection_lm=reflection_lm,
        max_metric_calls=opt.gepa.max_metric_calls,
        reflection_minibatch_size=opt.gepa.reflection_minibatch_size,
        run_dir=str(run_dir / "gepa"),
        seed=opt.seed,
    )
    root = run_dir / "guidelines"
    name = f"{opt.name}-gepa"
    for i, candidate in enumerate(result.candidates):
        g = save_guideline(opt.kind, name, candidate[opt.kind], root, lineage={
            "method": "gepa", "gepa_index": i, "parents": result.parents[i],
            "score": result.val_aggregate_scores[i],
        })  # fmt: skip
        if i == 0:
            set_alias(opt.kind, name, "baseline", g.version, root)
        if i == result.best_idx:
            set_alias(opt.kind, name, "best", g.version, root)
    calls, tokens, usd = llms.ledger.spent()
    return {
        "kind": opt.kind,
        "name": name,
        "best_version": result.best_idx + 1,
        "guidelines_dir": str(root),
        "spent": {"calls": calls, "tokens": tokens, "usd": usd},
        "usage_by_role": llms.ledger.summary(),
    }
