"""`acon-compile`: agent runs and audit logs become verified, redacted long-context QA data.

    acon-compile compilation.sources.runs=[runs/my-run]           # every stage
    acon-compile 'compilation.sources.audit=[{path: audit.jsonl}]'
    acon-compile compilation.stages=[evaluate] hydra.run.dir=<run> llm.reader.model=...
    acon-compile hydra.run.dir=<run>                              # again: resume

1. compile: read (run folders, audit logs), redact, propose (compiler role), verify
   (deterministic checks, judge role), store (`compilation.store`, else <run>/pairs.db)
   -> <run>/compilation.md
2. export: the kept pairs -> <run>/export/ (chat JSONL for acon-distill's trainer, and
   the long-context evaluation set)
3. evaluate: the reader role on the evaluation set, no tools -> <run>/evaluate/, MLflow
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from acon import progress
from acon.cli.entry import entry
from acon.compilation.config import CompilationConfig
from acon.config.build import typed
from acon.errors import AconError
from acon.llm import LLMSession, ModelSettings
from acon.run_folder import RunFolder
from acon.secrets import secret_values

log = logging.getLogger("acon.compile")


def compile_job(cfg: Any, folder: RunFolder) -> dict[str, Any]:
    from acon.compilation.compiler import compile_trajectories
    from acon.compilation.export import export
    from acon.compilation.store import PairStore, store_url
    from acon.compilation.summary import write_summary

    config: CompilationConfig = typed(cfg.compilation)
    folder.make()
    out: dict[str, Any] = {}
    export_dir = folder.path / "export"
    with LLMSession(ModelSettings.of(cfg), folder.path) as llms:
        store = PairStore(store_url(config.store, folder.path))
        try:
            if "compile" in config.stages:
                if not (config.sources.runs or config.sources.audit):
                    raise AconError(
                        "Nothing to compile: set compilation.sources.runs=[<run folder>] or "
                        "compilation.sources.audit=[{path: <audit.jsonl>}]."
                    )
                report = compile_trajectories(config, llms, store, secret_values(cfg.llm))
                pairs = [p for p in store.pairs(kept=None) if p["trajectory_key"] in report.keys]
                written = write_summary(report, pairs, folder.path, config.verify.checks)
                print(f"\n{written}:\n{written.read_text()}")
                out["compile"] = report.to_dict()
            if "export" in config.stages:
                card = export(store.pairs(kept=True), config.export, export_dir)
                log.info(
                    "Exported %s to %s",
                    {k: v["examples"] for k, v in card["files"].items()},
                    export_dir,
                )
                out["export"] = card
        finally:
            store.close()
        if "evaluate" in config.stages:
            out["evaluate"] = evaluate_stage(cfg, config, folder, llms)
        folder.write_usage(llms.ledger.summary())
    return out


def evaluate_stage(
    cfg: Any, config: CompilationConfig, folder: RunFolder, llms: LLMSession
) -> dict[str, Any] | None:
    from acon.compilation.evaluate import evaluate, read_eval_set

    eval_set = folder.path / "export" / "longcontext_eval.jsonl"
    if not eval_set.is_file():
        raise AconError(f"No evaluation set at {eval_set}: run the export stage first.")
    items = read_eval_set(eval_set, config.evaluate.limit)
    if not items:
        log.warning(
            "The evaluation set %s is empty (no pair was kept): nothing to evaluate.", eval_set
        )
        return None
    if "reader" in config.verify.checks:
        log.warning(
            "The pairs were kept only where the reader role answered them "
            "(compilation.verify.checks has reader): evaluating that same "
            "model on them overstates it."
        )
    bar = progress.bar(len(items), "evaluate", unit="pair")
    summary = evaluate(
        items,
        llms.client("reader"),
        llms.client("judge") if config.evaluate.judge else None,
        folder.path / "evaluate",
        on_item=lambda _: bar.update(),
    )
    bar.close()
    track_evaluation(cfg, folder, summary)
    print((folder.path / "evaluate" / "evaluation.md").read_text())
    return summary


def track_evaluation(cfg: Any, folder: RunFolder, summary: dict[str, Any]) -> None:
    """One MLflow run per evaluation: the reader and the set as params, the means and their
    intervals as metrics, the answers as an artifact."""
    from acon.llm.config import resolve_role
    from acon.tracking.settings import settings
    from acon.tracking.store import log_metrics, open_run

    s = settings(cfg)
    if s is None:
        return
    if not cfg.tracking.get("experiment"):
        s = dataclasses.replace(s, experiment="acon/longcontext")
    reader = resolve_role(cfg.llm, "reader")
    params = {
        "reader.model": reader.model,
        "reader.base_url": reader.base_url,
        "pairs": str(summary["pairs"]),
        "eval_set": str(folder.path / "export"),
    }
    client, run_id = open_run(s, folder.path / "evaluate", verb="compile-evaluate", params=params)
    metrics = {
        "pairs": summary["pairs"],
        "unparsed_replies": summary["unparsed_replies"],
        "reader_cost_usd": summary["reader_cost_usd"],
    }
    for name in ("em", "f1", "judge_correct"):
        m = summary[name]
        if m["n"]:
            metrics |= {
                name: m["mean"],
                f"{name}_ci_low": m["ci95"][0],
                f"{name}_ci_high": m["ci95"][1],
            }
    log_metrics(client, run_id, {k: v for k, v in metrics.items() if v == v})
    for name in ("answers.csv", "evaluation.md", "evaluation.json"):
        client.log_artifact(run_id, str(folder.path / "evaluate" / name))
    client.set_terminated(run_id, status="FINISHED")


main = entry(compile_job)

if __name__ == "__main__":
    main()
