"""Does the offline setting leave the search anything to find? (issue #32, item 5)

    .venv/bin/python benchmarks/rule_signal.py --out results/optimizers/rule_signal [overrides]

On the quickstart's training tasks (`+experiment=quickstart`, then the overrides), finds
the contrastive set (tasks whose score the starting guideline lowers by more than
`optimizer.score_drop`), then rolls those tasks out once per hand-written one-rule
guideline (the start plus one rule of acon.optimize.rules, each kind kept word for word:
exactly the candidates the `edits` program can propose), with the 0.5B and with the 1.5B
model as compressor. Writes each rollout's row (signal_rows.csv: compressor, guideline, task,
score, success, peak tokens) and a table of mean scores against the start's
(signal.md). Rollouts go through the rollout store (`optimizer.rollouts_dir`), so a rerun,
or the main job's own rollouts of the same configuration, cost nothing twice.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from acon.composition import compose  # noqa: E402
from acon.config.build import typed  # noqa: E402
from acon.guidelines.store import resolve  # noqa: E402
from acon.llm import LLMSession, ModelSettings  # noqa: E402
from acon.optimize.evaluation import CandidateEvaluator  # noqa: E402
from acon.optimize.rules import RULE_KINDS, Rule, with_rule  # noqa: E402
from acon.optimize.selection import contrastive_set  # noqa: E402
from acon.rollout import RolloutSpec, make_env  # noqa: E402

COMPRESSORS = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for quiet in ("httpx", "httpx2"):
        logging.getLogger(quiet).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args, overrides = parser.parse_known_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, started = [], time.perf_counter()
    for compressor in COMPRESSORS:
        cfg = compose(
            [
                "+experiment=quickstart",
                *overrides,
                "tracking=off",
                f"llm.compressor.base_url=local://{compressor}",
                f"llm.compressor.model={compressor}",
            ]
        )
        opt = typed(cfg.optimizer)
        env = make_env(cfg.env)
        tasks = env.tasks(opt.split)[: opt.n_tasks]
        env.close()
        start = resolve("history", opt.start).text
        with LLMSession(ModelSettings.of(cfg), out / "sessions" / compressor) as llms:
            evaluator = CandidateEvaluator(
                RolloutSpec.of(cfg), llms, "history", opt.rollouts_dir, opt.split
            )
            base = evaluator.baseline(tasks).rows
            comp = evaluator.guideline(start, tasks).rows
            ids = contrastive_set(base, comp, opt.score_drop)
            chosen = [t for t in tasks if t.id in ids]
            logging.info("%s: contrastive set %s", compressor, ids)
            arms = {"none": None, "start": start}
            arms |= {
                kind: with_rule(start, Rule(kind, "verbatim"), RULE_KINDS) for kind in RULE_KINDS
            }
            for name, text in arms.items():
                got = base if text is None else evaluator.guideline(text, chosen).rows
                for task in chosen:
                    row = got.get(task.id)
                    if row is not None:
                        rows.append(
                            {
                                "compressor": compressor,
                                "guideline": name,
                                "task_id": task.id,
                                "score": row["score"],
                                "success": row["success"],
                                "peak_tokens": row["peak_tokens"],
                            }
                        )
    table = pd.DataFrame(rows)
    table.to_csv(out / "signal_rows.csv", index=False)  # not rows.csv: a report's own
    means = table.pivot_table(index="guideline", columns="compressor", values="score")
    order = ["none", "start", *RULE_KINDS]
    means = means.reindex([g for g in order if g in means.index])
    minutes = (time.perf_counter() - started) / 60
    (out / "signal.md").write_text(
        f"Mean score (F1) on the contrastive tasks, {minutes:.0f} min\n\n"
        + means.to_markdown(floatfmt=".3f")
        + "\n"
    )
    print(means.to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
