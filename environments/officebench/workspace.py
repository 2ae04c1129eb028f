"""A subtask's private copy of its testbed, and how the benchmark's paths map onto it.

OfficeBench ran its apps in a docker container whose `/testbed` held the task's files
(`data/`, `emails/<user>/`, `calendar/<user>.ics`). Here each episode copies the testbed
into a fresh temporary folder (the workspace) and every path the agent gives is read as a
path in that container:

- `/testbed/data/a.xlsx` and `data/a.xlsx` (relative to /testbed) both mean
  `<workspace>/data/a.xlsx`; a path that leaves the workspace is refused.
- Observations show `/testbed/...` again, so the agent never sees the temporary folder.

Evaluation paths are relative to the testbed the run ended with; the benchmark kept that at
`tasks/<task>/outputs/<k>/<run>/testbed`, so `../../../../reference/x` is the task's
reference file and `../../../../cache/<k>/testbed/y` is the untouched starting testbed.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
from pathlib import Path

from environments.officebench.data import Subtask

MOUNT = "/testbed"
STANDARD_DIRS = ("data", "emails", "calendar")


class PathError(ValueError):
    """A path the agent may not use; the message is meant for the agent."""


class Workspace:
    def __init__(self, subtask: Subtask, parent: str | Path | None = None):
        self.subtask = subtask
        self._tmp = tempfile.mkdtemp(prefix=f"officebench-{subtask.id}-", dir=parent)
        self.root = Path(self._tmp, "testbed")
        if subtask.testbed.is_dir():
            shutil.copytree(subtask.testbed, self.root)
        self.root.mkdir(exist_ok=True)
        for name in STANDARD_DIRS:
            (self.root / name).mkdir(exist_ok=True)
        self.root = self.root.resolve()

    # -- the agent's paths -------------------------------------------------------------
    def resolve(self, path: str) -> Path:
        """The workspace file an agent path names (absolute under /testbed, or relative to it)."""
        text = str(path).strip().strip("'\"")
        if not text:
            raise PathError("empty path")
        if text.startswith("/"):
            norm = posixpath.normpath(text)
            if norm != MOUNT and not norm.startswith(MOUNT + "/"):
                raise PathError(f"{text} is outside {MOUNT}; use paths under {MOUNT}/")
            text = norm[len(MOUNT) :].lstrip("/") or "."
        target = (self.root / text).resolve()
        if target != self.root and self.root not in target.parents:
            raise PathError(f"{path} leaves {MOUNT}; use paths under {MOUNT}/")
        return target

    def show(self, path: Path) -> str:
        """How the agent sees a workspace path."""
        rel = Path(path).resolve().relative_to(self.root).as_posix()
        return MOUNT if rel == "." else f"{MOUNT}/{rel}"

    def hide(self, text: str) -> str:
        """Text with the workspace folder written as /testbed again."""
        return text.replace(str(self.root), MOUNT)

    # -- the evaluator's paths ---------------------------------------------------------
    def eval_path(self, path: str) -> Path:
        """A check's path: in the workspace, or the task's reference/cache files."""
        base = f"tasks/{self.subtask.task}/outputs/{self.subtask.index}/run/testbed"
        norm = posixpath.normpath(posixpath.join(base, path))
        task_prefix = f"tasks/{self.subtask.task}/"
        if norm == base or norm.startswith(base + "/"):
            return self.root / norm[len(base) :].lstrip("/")
        if norm.startswith(task_prefix + "reference/"):
            return self.subtask.reference_dir / norm[len(task_prefix + "reference/") :]
        parts = norm[len(task_prefix) :].split("/") if norm.startswith(task_prefix) else []
        if len(parts) >= 3 and parts[0] == "cache" and parts[2] == "testbed":
            return self.subtask.testbed.joinpath(*parts[3:])  # the starting state
        raise ValueError(f"evaluation path {path!r} points outside the task folder")

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
