"""Experiments, runs and a sweep's parent run in an MLflow store.

A job finds its sweep's parent run through `<sweep dir>/mlflow_sweep.json`, written under
an exclusive file lock: the Hydra callback writes it before any job starts (with the
URI of the server it started); a job that finds none creates the parent itself, and the
lock makes sure only one job does. The record also tells jobs which URI to log to.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from acon.errors import AconError
from acon.tracking.settings import TrackingSettings

log = logging.getLogger(__name__)
SWEEP_RECORD = "mlflow_sweep.json"
_LOCK = ".mlflow_sweep.lock"
_BATCH = 100  # MLflow's limit on params (and tags) per batch call


@dataclass(frozen=True)
class JobContext:
    """Where a run sits in Hydra: its folder, and its sweep when it is a multirun job."""

    run_dir: Path
    sweep_dir: Path | None = None
    job_num: int | None = None
    overrides: list[str] = field(default_factory=list)


def job_context(run_dir: Path) -> JobContext:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    run_dir = Path(run_dir).resolve()
    if not HydraConfig.initialized():
        return JobContext(run_dir)
    hc = HydraConfig.get()
    overrides = list(hc.overrides.task)
    if hc.mode != RunMode.MULTIRUN:
        return JobContext(run_dir, overrides=overrides)
    return JobContext(run_dir, Path(hc.sweep.dir).resolve(), int(hc.job.num), overrides)


def mlflow_client(uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


# an MLflow REST call every tracking server answers with JSON (the experiment, or an
# error_code when there is none)
_PROBE = "api/2.0/mlflow/experiments/get-by-name?experiment_name=Default"


def check_reachable(uri: str) -> None:
    """Fail in seconds, not after MLflow's minutes of retries, when a server is down."""
    if not uri.startswith(("http://", "https://")):
        return
    base = uri.rstrip("/")
    try:
        httpx.get(f"{base}/health", timeout=5.0).raise_for_status()
        # another service on that port may answer /health too: MLflow's API answers JSON
        probe = httpx.get(f"{base}/{_PROBE}", timeout=5.0)
    except httpx.HTTPError as exc:
        raise AconError(
            f"The MLflow tracking server at {uri} does not answer ({str(exc).splitlines()[0]}): "
            f"start it, fix tracking.uri, or set tracking=off (the run folder keeps every result)."
        ) from exc
    if probe.status_code in (401, 403):
        return  # an MLflow server behind authentication: MLflow's client brings the credentials
    try:
        body = probe.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and ("experiment" in body or "error_code" in body)):
        raise AconError(
            f"The service at {uri} is not an MLflow tracking server (its /{_PROBE} answered "
            f"HTTP {probe.status_code}, {probe.headers.get('content-type', 'no content type')}): "
            f"another program holds that port; fix tracking.uri, or set tracking=off (the run "
            f"folder keeps every result)."
        )


def ensure_experiment(client: Any, name: str, artifacts_dir: Path | None) -> str:
    """The experiment's id, created if missing (by whichever process gets there first)."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is None:
        location = (artifacts_dir / name).as_uri() if artifacts_dir else None
        try:
            return client.create_experiment(name, artifact_location=location)
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            found = client.get_experiment_by_name(name)
    if found.lifecycle_stage == "deleted":
        raise AconError(
            f"The MLflow experiment {name!r} is deleted: restore it in the MLflow UI, or "
            f"set tracking.experiment to another name."
        )
    return found.experiment_id


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / _LOCK).open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_sweep_record(sweep_dir: Path) -> dict[str, Any] | None:
    path = Path(sweep_dir) / SWEEP_RECORD
    return json.loads(path.read_text()) if path.exists() else None


def _write_record(sweep_dir: Path, record: dict[str, Any]) -> None:
    tmp = sweep_dir / f"{SWEEP_RECORD}.tmp"
    tmp.write_text(json.dumps(record, indent=2))
    tmp.replace(sweep_dir / SWEEP_RECORD)


def sweep_record(
    s: TrackingSettings,
    sweep_dir: Path,
    *,
    log_uri: str | None = None,
    owner: str = "job",
    overrides: list[str] | None = None,
) -> dict[str, Any]:
    """The sweep's record: `tracking_uri` (where its jobs log), `experiment_id`,
    `parent_run_id`. The callback (owner "callback") always writes it afresh, with
    `log_uri` its server; a job reads it, or creates parent and record if missing."""
    sweep_dir = Path(sweep_dir).resolve()
    with _locked(sweep_dir):
        record = read_sweep_record(sweep_dir)
        if record is not None and owner == "job":
            return record
        uri = log_uri or s.uri
        check_reachable(uri)
        client = mlflow_client(uri)
        experiment_id = ensure_experiment(client, s.experiment, s.artifacts_dir)
        parent = _find_run(client, experiment_id, "acon.sweep_dir", str(sweep_dir))
        if parent is None:
            tags = {"acon.sweep_dir": str(sweep_dir), "acon.role": "sweep"}
            if overrides:
                tags["acon.sweep_overrides"] = " ".join(overrides)[:5000]
            parent = client.create_run(
                experiment_id,
                run_name=f"sweep {sweep_dir.parent.name}/{sweep_dir.name}",
                tags=tags,
            )
        record = {
            "tracking_uri": uri,
            "store_uri": s.uri,
            "experiment_id": experiment_id,
            "parent_run_id": parent.info.run_id,
            "owner": owner,
            "swept": swept_keys(overrides or []),
        }
        _write_record(sweep_dir, record)
        return record


def swept_keys(overrides: list[str]) -> list[str]:
    """The keys a sweep varies (`compression/history=none,fifo` -> `compression/history`)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:  # an odd override only costs the short run names
        return []
    return [o.get_key_element() for o in parsed if o.is_sweep_override()]


def run_name(ctx: JobContext, swept: list[str] | None = None) -> str:
    """A sweep job is named by what it varies (`#1 compression/history=fifo`)."""
    chosen = [o for o in ctx.overrides if o.split("=", 1)[0].lstrip("+~") in (swept or [])]
    name = " ".join(chosen or ctx.overrides) or ctx.run_dir.name
    return (name if ctx.job_num is None else f"#{ctx.job_num} {name}")[:250]


def close_sweep(sweep_dir: Path, store_uri: str | None = None) -> None:
    """Mark the parent run finished; the record's URI goes back to the store itself
    (the server that served the sweep is gone)."""
    sweep_dir = Path(sweep_dir).resolve()
    with _locked(sweep_dir):
        record = read_sweep_record(sweep_dir)
        if record is None:
            return
        mlflow_client(record["tracking_uri"]).set_terminated(record["parent_run_id"])
        record["tracking_uri"] = store_uri or record.get("store_uri") or record["tracking_uri"]
        _write_record(sweep_dir, record)


def _find_run(client: Any, experiment_id: str, tag: str, value: str) -> Any | None:
    if "'" in value:
        return None  # not expressible in a search filter; a new run is made instead
    found = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{tag}` = '{value}'",
        max_results=1,
        order_by=["attributes.start_time ASC"],
    )
    return found[0] if found else None


def open_run(
    s: TrackingSettings,
    run_dir: Path,
    *,
    verb: str,
    params: Mapping[str, str],
    tags: Mapping[str, str] | None = None,
) -> tuple[Any, str]:
    """(client, run id) for this run folder: a new run, or the one an earlier attempt
    of the same folder made when its params are the same (a resumed run). In a sweep,
    the run is a child of the sweep's parent run and logs where the sweep logs."""
    ctx = job_context(run_dir)
    uri, parent = s.uri, None
    if ctx.sweep_dir is not None:
        record = sweep_record(s, ctx.sweep_dir, overrides=None)
        uri = record["tracking_uri"]
        parent = record
    check_reachable(uri)
    client = mlflow_client(uri)
    experiment_id = ensure_experiment(client, s.experiment, s.artifacts_dir)
    run_tags = {
        "acon.verb": verb,
        "acon.run_dir": str(ctx.run_dir),
        "acon.overrides": " ".join(ctx.overrides)[:5000],
        **(tags or {}),
    }
    if parent is not None:
        run_tags["acon.sweep_dir"] = str(ctx.sweep_dir)
        run_tags["acon.sweep_run_id"] = parent["parent_run_id"]
        run_tags["acon.job_num"] = str(ctx.job_num)
        if parent["experiment_id"] == experiment_id:  # MLflow nests within one experiment
            run_tags["mlflow.parentRunId"] = parent["parent_run_id"]
    existing = _find_run(client, experiment_id, "acon.run_dir", str(ctx.run_dir))
    if existing is not None and _same_params(existing.data.params, params):
        run_id = existing.info.run_id
        client.update_run(run_id, status="RUNNING")
        log.info("MLflow: continuing run %s of %s", run_id, ctx.run_dir)
    else:
        name = run_name(ctx, (parent or {}).get("swept"))
        run_id = client.create_run(experiment_id, run_name=name, tags=run_tags).info.run_id
    log_params(client, run_id, params)
    set_tags(client, run_id, run_tags)
    return client, run_id


def _same_params(logged: Mapping[str, str], params: Mapping[str, str]) -> bool:
    return all(logged.get(k, v) == v for k, v in params.items())


def log_params(client: Any, run_id: str, params: Mapping[str, str]) -> None:
    from mlflow.entities import Param

    items = [Param(k, v) for k, v in params.items()]
    for i in range(0, len(items), _BATCH):
        client.log_batch(run_id, params=items[i : i + _BATCH])


def set_tags(client: Any, run_id: str, tags: Mapping[str, str]) -> None:
    from mlflow.entities import RunTag

    items = [RunTag(k, str(v)) for k, v in tags.items()]
    for i in range(0, len(items), _BATCH):
        client.log_batch(run_id, tags=items[i : i + _BATCH])


def log_metrics(client: Any, run_id: str, metrics: Mapping[str, float], step: int = 0) -> None:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    items = [Metric(k, float(v), now, step) for k, v in metrics.items()]
    for i in range(0, len(items), 1000):
        client.log_batch(run_id, metrics=items[i : i + 1000])
