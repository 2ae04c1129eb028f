"""A run's folder, and the only reader and writer of its layout.

    <run>/
      results.jsonl            a row per task attempt (status finished or errored), appended
      trajectories/<task>.jsonl  every agent and compressor call, as it happens
      artifacts/<task>/<id>.txt  payloads an offloading strategy moved out of the context
      action_pads.jsonl        the ActionPads offered to this run's tasks (acon.agent.action_pads)
      llm_calls.jsonl          every LLM call's usage (the ledger's log)
      summary.md, summary.csv  means over finished tasks, overall and per difficulty
      .hydra/config.yaml       the resolved config (Hydra's), or config.json where no Hydra
      usage.json               LLM usage per role at the end
      guidelines.json          the guideline texts the compression followed, with versions
      estimate.json            what the job was expected to call (acon.estimate), and
      estimate_vs_actual.md    beside what it did
      optimizer_state.json     the optimizer's progress (resume), optimizer_report.json
      guidelines/              the optimizer's guideline store
      rollouts/<label>/, optimize/, workers/w<i>/   runs inside this one
      data/, train/                acon-distill's data sets and training (acon.distill)
      pairs.db, compilation.md, export/, evaluate/   acon-compile's (acon.compilation)

A task's latest row wins: a rerun that finishes an errored task supersedes its error.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from acon.trajectory import ERRORED, FINISHED

RESULTS = "results.jsonl"


class RunFolder:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type, tuple[Path]]:  # picklable: sweeps and Ray ship it
        return (RunFolder, (self.path,))

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    def child(self, *parts: str) -> RunFolder:
        """A run inside this one (`rollouts/no_compression`, `optimize`, `workers/w0`)."""
        return RunFolder(self.path.joinpath(*parts))

    def make(self) -> RunFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    # -- tasks ---------------------------------------------------------------------------

    @property
    def trajectories(self) -> Path:
        return self.path / "trajectories"

    def trajectory(self, task_id: str) -> Path:
        return self.trajectories / f"{task_id}.jsonl"

    def artifacts(self, task_id: str) -> Path:
        """Where a task's offloaded payloads are stored (acon.agent.artifacts)."""
        return self.path / "artifacts" / task_id

    def rows(self) -> list[dict[str, Any]]:
        """Each task's latest row, in the order the tasks were first recorded. Rows written
        before rows had a status are finished ones."""
        latest: dict[str, dict[str, Any]] = {}
        path = self.path / RESULTS
        if path.exists():
            with path.open(encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        row = json.loads(line)
                        row.setdefault("status", FINISHED)
                        latest[row["task_id"]] = row
        return list(latest.values())

    def finished(self) -> dict[str, dict[str, Any]]:
        """The scored rows, by task id."""
        return {r["task_id"]: r for r in self.rows() if r["status"] == FINISHED}

    def errored(self) -> dict[str, dict[str, Any]]:
        """The rows of tasks whose latest attempt errored, by task id."""
        return {r["task_id"]: r for r in self.rows() if r["status"] == ERRORED}

    def append_row(self, row: dict[str, Any]) -> None:
        """Record one task attempt (thread-safe; flushed and synced at once)."""
        line = json.dumps(row, default=str) + "\n"
        with self._lock:
            self.make()
            with (self.path / RESULTS).open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())

    def has_results(self) -> bool:
        return (self.path / RESULTS).is_file()

    def write_summary(self, table: pd.DataFrame) -> None:
        self.make()
        table.to_csv(self.path / "summary.csv")
        (self.path / "summary.md").write_text(table.to_markdown(floatfmt=".3f") + "\n")

    # -- config --------------------------------------------------------------------------

    def write_action_pads(self, pads: list[dict[str, Any]]) -> None:
        self.make()
        lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pads)
        (self.path / "action_pads.jsonl").write_text(lines, encoding="utf-8")

    def write_config(self, config: dict[str, Any]) -> None:
        """The resolved config of a run made without Hydra's own folder (the main job's
        test arms, the optimizer's rollouts)."""
        self.make()
        (self.path / "config.json").write_text(json.dumps(config, indent=2, default=str))

    def config(self) -> dict[str, Any]:
        hydra_cfg = self.path / ".hydra" / "config.yaml"
        if hydra_cfg.exists():
            return yaml.safe_load(hydra_cfg.read_text()) or {}
        plain = self.path / "config.json"
        return json.loads(plain.read_text()) if plain.exists() else {}

    @property
    def hydra_dir(self) -> Path:
        return self.path / ".hydra"

    # -- LLM usage -----------------------------------------------------------------------

    @property
    def llm_calls(self) -> Path:
        return self.path / "llm_calls.jsonl"

    def log_path(self, name: str) -> Path:
        """A server's or tool's log file in this run (`llama-server-<model>.log`)."""
        return self.path / name

    def write_usage(self, usage: dict[str, Any]) -> Path:
        self.make()
        path = self.path / "usage.json"
        path.write_text(json.dumps(usage, indent=2))
        return path

    def write_guidelines(self, used: list[dict[str, Any]]) -> None:
        self.make()
        (self.path / "guidelines.json").write_text(json.dumps(used, indent=2))

    def guidelines_used(self) -> list[dict[str, Any]]:
        path = self.path / "guidelines.json"
        return json.loads(path.read_text()) if path.exists() else []

    def write_estimate(self, estimate: dict[str, Any]) -> None:
        self.make()
        (self.path / "estimate.json").write_text(json.dumps(estimate, indent=2))

    def estimate(self) -> dict[str, Any] | None:
        path = self.path / "estimate.json"
        return json.loads(path.read_text()) if path.exists() else None

    def write_estimate_vs_actual(self, markdown: str) -> Path:
        path = self.path / "estimate_vs_actual.md"
        path.write_text(markdown + "\n")
        return path

    # -- the optimizer -------------------------------------------------------------------

    @property
    def guidelines(self) -> Path:
        return self.path / "guidelines"

    def optimizer_state(self) -> dict[str, Any] | None:
        path = self.path / "optimizer_state.json"
        return json.loads(path.read_text()) if path.exists() else None

    def write_optimizer_state(self, state: dict[str, Any]) -> None:
        self.make()
        tmp = self.path / "optimizer_state.json.tmp"
        tmp.write_text(json.dumps(state, indent=2, default=str))
        tmp.replace(self.path / "optimizer_state.json")

    def optimizer_report(self) -> dict[str, Any] | None:
        path = self.path / "optimizer_report.json"
        return json.loads(path.read_text()) if path.exists() else None

    def write_optimizer_report(self, report: dict[str, Any]) -> None:
        self.make()
        text = json.dumps(report, indent=2, default=str)
        (self.path / "optimizer_report.json").write_text(text)

    # -- what tracking uploads -----------------------------------------------------------

    def record_files(self) -> list[Path]:
        """The run's record files that exist (results, summaries, calls, optimizer)."""
        names = ("results.jsonl", "summary.md", "summary.csv", "llm_calls.jsonl", "usage.json",
                 "estimate.json", "estimate_vs_actual.md", "optimizer_report.json",
                 "optimizer_state.json")  # fmt: skip
        return [self.path / n for n in names if (self.path / n).is_file()]

    @staticmethod
    def find(roots: Iterable[str | Path]) -> list[RunFolder]:
        """Every folder holding task results under the given roots."""
        found = {p.parent for root in roots for p in Path(root).rglob(RESULTS)}
        return [RunFolder(p) for p in sorted(found)]
