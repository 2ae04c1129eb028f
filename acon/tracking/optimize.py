"""A finished optimization as an MLflow run, its candidates as nested runs, its
guideline versions in the Prompt Registry.

Read from the run folder: `optimizer_report.json` and the guideline store
`<run>/guidelines/<kind>/<name>/v<N>.md|json` (lineage: parent, step, round, score, peak
tokens, guideline tokens). Logging again (a resumed optimization) adds only what is new.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from acon.compression.guidelines import load_guideline, read_aliases, versions
from acon.tracking.params import config_params
from acon.tracking.registry import prompt_name, sync_guidelines
from acon.tracking.rollout import log_folder_files
from acon.tracking.settings import benchmark_name, settings
from acon.tracking.store import log_metrics, log_params, open_run, set_tags
from acon.tracking.usage import usage_by_role, usage_metrics

log = logging.getLogger(__name__)
CANDIDATE_METRICS = ("score", "peak_tokens", "guideline_tokens")
CANDIDATE_PARAMS = ("version", "parent", "step", "round", "method", "origin", "gepa_index")


def log_optimization(cfg: Any, run_dir: Path, report: dict[str, Any]) -> str | None:
    """Log the optimization in `run_dir`; the run's id, or None when tracking is off."""
    s = settings(cfg)
    if s is None:
        return None
    run_dir = Path(run_dir)
    kind, name = report["kind"], report["name"]
    root = Path(report["guidelines_dir"])
    benchmark = benchmark_name(cfg)
    prompt = prompt_name(benchmark, kind)
    client, run_id = open_run(
        s, run_dir, verb="optimize", params=config_params(cfg),
        tags={"acon.benchmark": benchmark, "acon.prompt": prompt, "acon.guideline": name},
    )  # fmt: skip
    try:
        candidates = log_candidates(client, run_id, root, kind, name)
        spent = report.get("spent", {})
        metrics = {f"spent/{k}": float(v) for k, v in spent.items()}
        metrics["best_version"] = float(report["best_version"])
        best = candidates.get(int(report["best_version"]), {})
        metrics.update({f"best/{k}": float(best[k]) for k in CANDIDATE_METRICS if k in best})
        metrics["candidates"] = float(len(candidates))
        metrics.update(usage_metrics(usage_by_role(run_dir / "llm_calls.jsonl")))
        log_metrics(client, run_id, metrics)
        log_folder_files(client, run_id, run_dir, cfg)
        if root.is_dir():
            client.log_artifacts(run_id, str(root), artifact_path="guidelines")
        # the registry lives where the runs do (in a sweep: through its server)
        mapping = sync_guidelines(root, kind, name, prompt, client.tracking_uri, run_id=run_id)
        aliases = read_aliases(kind, name, root)
        set_tags(client, run_id, {f"acon.prompt_{a}": str(mapping[v])
                                  for a, v in aliases.items() if v in mapping})  # fmt: skip
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    log.info("MLflow: optimization run %s, prompt %s (%s)", run_id, prompt, s.uri)
    return run_id


def log_candidates(
    client: Any, run_id: str, root: Path, kind: str, name: str
) -> dict[int, dict[str, Any]]:
    """One nested run per guideline version (found again by its tag on a second call).
    Returns each version's lineage."""
    run = client.get_run(run_id)
    existing = {
        r.data.tags.get("acon.candidate_version"): r.info.run_id
        for r in client.search_runs(
            [run.info.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{run_id}'"
        )
    }
    lineages: dict[int, dict[str, Any]] = {}
    for number in versions(kind, name, root):
        g = load_guideline(kind, name, number, root)
        lineages[number] = g.lineage
        child = existing.get(str(number))
        if child is None:
            step = g.lineage.get("step", "?")
            tags = {"mlflow.parentRunId": run_id, "acon.candidate_version": str(number),
                    "acon.verb": "candidate", "acon.guideline": name}  # fmt: skip
            child = client.create_run(
                run.info.experiment_id, run_name=f"{name} v{number} ({step})", tags=tags
            ).info.run_id
        params = {k: _param(g.lineage.get(k, number if k == "version" else None))
                  for k in CANDIDATE_PARAMS}  # fmt: skip
        params = {k: v for k, v in params.items() if v != "null"}
        params["kind"] = kind
        log_params(client, child, params)
        metrics = {k: float(g.lineage[k]) for k in CANDIDATE_METRICS
                   if g.lineage.get(k) is not None}  # fmt: skip
        if metrics:
            log_metrics(client, child, metrics)
        client.log_text(child, g.text, "guideline.md")
        client.set_terminated(child)
    return lineages


def _param(value: Any) -> str:
    if value is None:
        return "null"
    return json.dumps(value) if isinstance(value, list | dict) else str(value)
