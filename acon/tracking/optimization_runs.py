"""An optimization as an MLflow run, its candidates as nested runs, its guideline
versions in the Prompt Registry. Live (`LiveOptimization`): the run exists from the start
and each candidate appears as it is proposed and again when scored; `log_optimization`
then logs the whole and finishes the run.

Read from the run folder: the report and the guideline store `<run>/guidelines` (each
version's lineage: acon.guidelines.Lineage, whose field metadata says which fields are
the candidate run's params and metrics). Logging again (a resumed optimization) adds
only what is new.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from acon.config.naming import ConfigRecord, benchmark_name
from acon.guidelines import GuidelineStore, Lineage
from acon.optimize.report import OptimizationReport
from acon.run_folder import RunFolder
from acon.tracking.params import config_params
from acon.tracking.prompt_registry import prompt_name, sync_guidelines
from acon.tracking.rollout_runs import log_folder_files
from acon.tracking.settings import settings
from acon.tracking.store import log_metrics, log_params, open_run, set_tags
from acon.tracking.usage import usage_by_role, usage_metrics

log = logging.getLogger(__name__)


class LiveOptimization:
    """`with LiveOptimization(cfg, folder) as live: optimize(cfg, llms, folder,
    on_candidate=live.candidate)`; an exception marks the run FAILED (KILLED on Ctrl-C),
    and a rerun into the folder continues it."""

    def __init__(self, cfg: ConfigRecord, folder: RunFolder):
        self.cfg, self.folder = cfg, folder
        self.client: Any = None
        self.run_id: str | None = None
        self.live = True  # off after a failed call: the optimization goes on

    def __enter__(self) -> LiveOptimization:
        s = settings(self.cfg)
        if s is not None:
            benchmark = benchmark_name(self.cfg)
            self.client, self.run_id = open_run(
                s,
                self.folder.path,
                verb="optimize",
                params=config_params(self.cfg),
                tags={
                    "acon.benchmark": benchmark,
                    "acon.guideline": self.cfg["optimizer"]["name"],
                    "acon.prompt": prompt_name(benchmark, self.cfg["optimizer"]["kind"]),
                },
            )
        return self

    def candidate(self) -> None:
        if self.run_id is None or not self.live:
            return
        try:
            log_candidates(
                self.client,
                self.run_id,
                self.folder.guidelines,
                self.cfg["optimizer"]["kind"],
                self.cfg["optimizer"]["name"],
            )
        except Exception as exc:  # log_optimization reports a lost store at the end
            log.warning("MLflow: live candidates stopped (%s: %s)", type(exc).__name__, exc)
            self.live = False

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if self.run_id is not None and kind is not None:
            status = "KILLED" if issubclass(kind, KeyboardInterrupt) else "FAILED"
            self.client.set_terminated(self.run_id, status=status)


def log_optimization(
    cfg: ConfigRecord, folder: RunFolder, report: OptimizationReport
) -> str | None:
    """Log the optimization in `folder`; the run's id, or None when tracking is off."""
    s = settings(cfg)
    if s is None:
        return None
    run_dir = folder.path
    kind, name = report.kind, report.name
    root = Path(report.guidelines_dir)
    benchmark = benchmark_name(cfg)
    prompt = prompt_name(benchmark, kind)
    client, run_id = open_run(
        s,
        run_dir,
        verb="optimize",
        params=config_params(cfg),
        tags={"acon.benchmark": benchmark, "acon.prompt": prompt, "acon.guideline": name},
    )
    try:
        candidates = log_candidates(client, run_id, root, kind, name)
        metrics = {f"spent/{k}": float(v) for k, v in report.spent.items()}
        metrics["best_version"] = float(report.best_version)
        best = candidates.get(int(report.best_version))
        metrics.update({f"best/{k}": v for k, v in (best.metrics() if best else {}).items()})
        metrics["candidates"] = float(len(candidates))
        metrics["errored_tasks"] = float(len(report.errored_tasks))
        metrics.update(usage_metrics(usage_by_role(*folder.call_logs())))
        log_metrics(client, run_id, metrics)
        log_folder_files(client, run_id, folder, cfg)
        if root.is_dir():
            client.log_artifacts(run_id, str(root), artifact_path="guidelines")
        # the registry lives where the runs do (in a sweep: through its server)
        mapping = sync_guidelines(root, kind, name, prompt, client.tracking_uri, run_id=run_id)
        aliases = GuidelineStore(root).aliases(kind, name)
        set_tags(
            client,
            run_id,
            {f"acon.prompt_{a}": str(mapping[v]) for a, v in aliases.items() if v in mapping},
        )
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    log.info("MLflow: optimization run %s, prompt %s (%s)", run_id, prompt, s.uri)
    return run_id


def log_candidates(
    client: Any, run_id: str, root: Path, kind: str, name: str
) -> dict[int, Lineage]:
    """One nested run per guideline version (found again by its tag on a second call).
    Returns each version's lineage."""
    run = client.get_run(run_id)
    existing = {
        r.data.tags.get("acon.candidate_version"): r.info.run_id
        for r in client.search_runs(
            [run.info.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{run_id}'"
        )
    }
    store = GuidelineStore(root)
    lineages: dict[int, Lineage] = {}
    for number in store.versions(kind, name):
        g = store.load(kind, name, number)
        lineages[number] = g.lineage
        child = existing.get(str(number))
        if child is None:
            step = g.lineage.step or "?"
            tags = {
                "mlflow.parentRunId": run_id,
                "acon.candidate_version": str(number),
                "acon.verb": "candidate",
                "acon.guideline": name,
            }
            child = client.create_run(
                run.info.experiment_id, run_name=f"{name} v{number} ({step})", tags=tags
            ).info.run_id
        params = {k: _param(v) for k, v in g.lineage.params().items()}
        params["kind"] = kind
        log_params(client, child, params)
        metrics = g.lineage.metrics()
        if metrics:
            log_metrics(client, child, metrics)
        client.log_text(child, g.text, "guideline.md")
        client.set_terminated(child)
    return lineages


def _param(value: Any) -> str:
    if value is None:
        return "null"
    return json.dumps(value) if isinstance(value, list | dict) else str(value)
