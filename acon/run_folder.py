"""A run's folder, and the only reader and writer of its layout.

    <run>/
      results.jsonl            a row per task attempt (status finished or errored), appended
      fingerprint.json         what the rows' config was (acon.rollout.resume), kept for resumes
      .lock                    held (flock) by the one process writing into the folder
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

A task's latest row wins: a rerun that finishes an errored task supersedes its error. A
line that is not a row (a write torn by a crash) is skipped with a warning, so its task
runs again (`unreadable` lists such lines).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd
import yaml

from acon.errors import AconError
from acon.trajectory import ERRORED, FINISHED

RESULTS = "results.jsonl"
FINGERPRINT = "fingerprint.json"
LOCK = ".lock"
# The files that say what a run's config was; Hydra rewrites the first three at every start
# of a command on the folder, so a refused resume puts the folder's own back.
CONFIG_FILES = (".hydra/config.yaml", ".hydra/overrides.yaml", ".hydra/hydra.yaml", "config.json")
log = logging.getLogger(__name__)
_warned: set[tuple[str, int]] = set()  # (results file, line): each torn line warned of once


class FolderBusy(AconError):
    """Another process holds the run folder's lock."""


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
        before rows had a status are finished ones. Lines that are not rows are skipped,
        with one warning each per process (`unreadable` names them)."""
        rows, bad = self._read_rows()
        path = self.path / RESULTS
        for number, why in bad:
            if (str(path), number) not in _warned:
                _warned.add((str(path), number))
                log.warning(
                    "Skipped line %d of %s (%s): its task counts as not run and runs "
                    "again on resume.",
                    number,
                    path,
                    why,
                )
        latest: dict[str, dict[str, Any]] = {}
        for row in rows:
            latest[row["task_id"]] = row
        return list(latest.values())

    def unreadable(self) -> list[tuple[int, str]]:
        """(line number, why) of each line of results.jsonl that is not a row: a write
        torn by a crash, or a corrupted file. `rows()` leaves them out."""
        return self._read_rows()[1]

    def _read_rows(self) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
        rows: list[dict[str, Any]] = []
        bad: list[tuple[int, str]] = []
        path = self.path / RESULTS
        if not path.exists():
            return rows, bad
        with path.open(encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    bad.append((number, f"not JSON: {exc.msg}"))
                    continue
                if not isinstance(row, dict) or not isinstance(row.get("task_id"), str):
                    bad.append((number, "no task_id"))
                    continue
                row.setdefault("status", FINISHED)
                rows.append(row)
        return rows, bad

    def finished(self) -> dict[str, dict[str, Any]]:
        """The scored rows, by task id."""
        return {r["task_id"]: r for r in self.rows() if r["status"] == FINISHED}

    def errored(self) -> dict[str, dict[str, Any]]:
        """The rows of tasks whose latest attempt errored, by task id."""
        return {r["task_id"]: r for r in self.rows() if r["status"] == ERRORED}

    def append_row(self, row: dict[str, Any]) -> None:
        """Record one task attempt (thread-safe; flushed and synced at once)."""
        line = (json.dumps(row, default=str) + "\n").encode("utf-8")
        with self._lock:
            self.make()
            with (self.path / RESULTS).open("ab+") as f:
                end = f.seek(0, os.SEEK_END)
                if end > 0:  # a torn last line must not swallow this row
                    f.seek(end - 1)
                    if f.read(1) != b"\n":
                        line = b"\n" + line
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

    def config_files(self) -> dict[str, str]:
        """The texts of the files that record this run's config (CONFIG_FILES), by path."""
        return {
            name: (self.path / name).read_text(encoding="utf-8")
            for name in CONFIG_FILES
            if (self.path / name).is_file()
        }

    def restore_config_files(self) -> None:
        """Put back the config files kept in the fingerprint: a command refused on this
        folder (Hydra wrote its own before the refusal) leaves the folder as it was."""
        for name, text in ((self.fingerprint() or {}).get("config_files") or {}).items():
            (self.path / name).parent.mkdir(parents=True, exist_ok=True)
            (self.path / name).write_text(text, encoding="utf-8")

    def fingerprint(self) -> dict[str, Any] | None:
        """What the rows' config was (acon.rollout.resume), or None for a new folder."""
        path = self.path / FINGERPRINT
        return json.loads(path.read_text()) if path.exists() else None

    def write_fingerprint(self, record: dict[str, Any]) -> None:
        self.make()
        tmp = self.path / (FINGERPRINT + ".tmp")
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True, default=str))
        tmp.replace(self.path / FINGERPRINT)

    # -- one writer ----------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for this process: a second process (on this machine, or any
        whose file system honours flock) stops with FolderBusy naming the holder. The
        kernel drops the lock when the holder dies, even by kill -9."""
        self.make()
        f: IO[str] = (self.path / LOCK).open("a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                f.seek(0)
                holder = f.read().strip() or "unknown"
                self.restore_config_files()
                raise FolderBusy(
                    f"Another process (pid {holder}) is writing into the run folder "
                    f"{self.path}: wait for it to end (or stop it), or give this command "
                    f"another hydra.run.dir."
                ) from None
            f.seek(0)
            f.truncate()
            f.write(f"{os.getpid()}\n")
            f.flush()
            yield
        finally:
            f.close()  # closing releases the lock

    # -- LLM usage -----------------------------------------------------------------------

    @property
    def llm_calls(self) -> Path:
        return self.path / "llm_calls.jsonl"

    def call_logs(self) -> list[Path]:
        """Every LLM call of this run: its own log and its Ray actors' (workers/w<i>/)."""
        return [self.llm_calls, *sorted(self.path.glob("workers/*/llm_calls.jsonl"))]

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
        names = (
            "results.jsonl",
            "summary.md",
            "summary.csv",
            "llm_calls.jsonl",
            "usage.json",
            "estimate.json",
            "estimate_vs_actual.md",
            "optimizer_report.json",
            "optimizer_state.json",
        )
        return [self.path / n for n in names if (self.path / n).is_file()]

    @staticmethod
    def find(roots: Iterable[str | Path]) -> list[RunFolder]:
        """Every folder holding task results under the given roots."""
        found = {p.parent for root in roots for p in Path(root).rglob(RESULTS)}
        return [RunFolder(p) for p in sorted(found)]
