"""A training run in MLflow: its settings as params, the loss curves live (one point per
logged step), the guideline version its data followed as tags, and at the end the adapter,
the data card and the summary as artifacts. An interrupted training marks the run KILLED
(FAILED on an error); the rerun resumes from its checkpoint and continues the same run."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from acon.config.naming import ConfigRecord, benchmark_name, flatten, to_plain
from acon.tracking.params import param_value
from acon.tracking.settings import settings
from acon.tracking.store import log_metrics, open_run, set_tags

log = logging.getLogger(__name__)


class TrainingRun:
    def __init__(self, cfg: ConfigRecord, train_dir: Path, data_dir: Path):
        self.cfg, self.train_dir, self.data_dir = cfg, Path(train_dir), Path(data_dir)
        self.client: Any = None
        self.run_id: str | None = None

    def __enter__(self) -> TrainingRun:
        s = settings(self.cfg)
        if s is None:
            return self

        distill = self.cfg["distill"]
        train = to_plain(distill["train"])
        params = {f"distill.train.{k}": param_value(v) for k, v in flatten(train).items()}
        params["distill.name"] = str(distill["name"])
        card = json.loads((self.data_dir / "card.json").read_text())
        tags = {"acon.benchmark": benchmark_name(self.cfg), "acon.distill.data": str(self.data_dir)}
        for i, g in enumerate(g for s in card["sources"] for g in s["guidelines"]):
            tags[f"acon.guideline.{i}"] = (
                f"{g['kind']} {g['name']} v{g['version']} sha256:{g['text_sha']}"
            )
        self.client, self.run_id = open_run(
            s, self.train_dir, verb="distill", params=params, tags=tags
        )
        return self

    def log(self, step: int, values: dict[str, float]) -> None:
        if self.run_id is None:
            return
        names = {k if k.startswith("eval_") else f"train_{k}": v for k, v in values.items()}
        try:
            log_metrics(self.client, self.run_id, names, step=step)
        except Exception as exc:  # training goes on without live curves
            log.warning("MLflow: live training metrics stopped (%s)", exc)
            self.run_id = None

    def finish(self, summary: dict[str, Any]) -> None:
        if self.run_id is None:
            return
        names = ("steps", "train_examples", "val_examples", "train_runtime_s", "load_s")
        metrics = {k: summary[k] for k in names if summary.get(k) is not None}
        log_metrics(self.client, self.run_id, metrics)
        set_tags(self.client, self.run_id, {"acon.distill.device": summary["device"]})
        self.client.log_artifacts(self.run_id, summary["adapter"], "adapter")
        for name in ("card.json", "card.md"):
            self.client.log_artifact(self.run_id, str(self.data_dir / name), "data")
        self.client.log_artifact(self.run_id, str(self.train_dir / "train_summary.json"))

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if self.run_id is not None:
            status = (
                "FINISHED"
                if kind is None
                else ("KILLED" if issubclass(kind, KeyboardInterrupt) else "FAILED")
            )
            self.client.set_terminated(self.run_id, status=status)
