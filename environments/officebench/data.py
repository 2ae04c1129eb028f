"""OfficeBench's task files: subtasks, splits and what each subtask needs.

Layout (read in place): `tasks/<task>/subtasks/<k>.json` ({username, date, weekday, time,
task, evaluation: [{function, args}]}), `tasks/<task>/testbed/` (the files the agent starts
with), `tasks/<task>/reference/` (expected outputs for exact-match checks) and
`splits/officebench_<split>.jsonl` ({task, subtask} per line). The task id's first number
is the number of apps the task needs: the benchmark's level 1/2/3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from acon.errors import AconError

EVALUATORS = {
    "evaluate_contain",
    "evaluate_not_contain",
    "evaluate_file_exist",
    "evaluate_file_not_exist",
    "evaluate_exact_match",
    "evaluate_diff_contain_text",
    "evaluate_excel_cell_value",
    "evaluate_excel_cell_comparator",
    "evaluate_calendar_no_overlap",
}
REQUIRED_KEYS = ("username", "date", "weekday", "time", "task", "evaluation")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
FIX = (
    "point env.data_dir at OfficeBench's folder (tasks/ and splits/), "
    "e.g. ../shared/data/officebench"
)


@dataclass(frozen=True)
class Subtask:
    task: str  # e.g. "2-13"
    index: str  # e.g. "0"
    spec: dict[str, Any]
    task_dir: Path = field(compare=False)

    @property
    def id(self) -> str:
        return f"{self.task}-{self.index}"

    @property
    def level(self) -> str:
        return self.task.split("-")[0]

    @property
    def testbed(self) -> Path:
        return self.task_dir / "testbed"

    @property
    def reference_dir(self) -> Path:
        return self.task_dir / "reference"

    @cached_property
    def needs_ocr(self) -> bool:
        """Its inputs can only be read through OCR: an image or a PDF without a text layer.

        Level-1 tasks use one app; the one such task with images (1-3) only renames and
        moves them, so OCR is needed only from level 2 on.
        """
        return self.level != "1" and _testbed_needs_ocr(str(self.testbed))


@cache  # reading every PDF takes seconds; the data does not change
def _testbed_needs_ocr(testbed: str) -> bool:
    for path in Path(testbed).rglob("*"):
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES or (suffix == ".pdf" and not _has_text_layer(path)):
            return True
    return False


def _has_text_layer(path: Path) -> bool:
    from pypdf import PdfReader

    try:
        return any((page.extract_text() or "").strip() for page in PdfReader(path).pages)
    except Exception:  # an unreadable PDF has no usable text either
        return False


def _sort_key(sub: Subtask) -> tuple[int, ...]:
    return (*map(int, sub.task.split("-")), int(sub.index))


class OfficeBenchData:
    """All subtasks of one OfficeBench folder, validated on load."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser()
        tasks_dir = self.root / "tasks"
        if not tasks_dir.is_dir():
            raise AconError(f"OfficeBench data not found at {self.root} (no tasks/): {FIX}.")
        self.subtasks: dict[str, Subtask] = {}
        for path in sorted(tasks_dir.glob("*/subtasks/*.json")):
            sub = self._load(path)
            self.subtasks[sub.id] = sub
        if not self.subtasks:
            raise AconError(
                f"No subtasks under {tasks_dir} (tasks/<task>/subtasks/<k>.json): {FIX}."
            )

    @staticmethod
    def _load(path: Path) -> Subtask:
        task, index = path.parent.parent.name, path.stem
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AconError(f"Malformed OfficeBench subtask {path} ({exc}): {_refetch()}.") from exc
        missing = [k for k in REQUIRED_KEYS if k not in spec] if isinstance(spec, dict) else ["all"]
        if not task.replace("-", "").isdigit() or task[0] not in "123":
            missing.append("a task id like 2-13")
        if missing:
            what = ", ".join(missing)
            raise AconError(f"Malformed OfficeBench subtask {path} (missing {what}): {_refetch()}.")
        for check in spec["evaluation"]:
            if not isinstance(check, dict) or check.get("function") not in EVALUATORS:
                raise AconError(
                    f"Unknown evaluation {check!r} in {path}: {_refetch()}, or add that evaluator."
                )
        return Subtask(task=task, index=index, spec=spec, task_dir=path.parent.parent)

    def split(self, name: str) -> list[Subtask]:
        """The subtasks of a split: `train`, `test` (from splits/) or `all`."""
        if name == "all":
            return sorted(self.subtasks.values(), key=_sort_key)
        path = self.root / "splits" / f"officebench_{name}.jsonl"
        if not path.is_file():
            raise AconError(f"No OfficeBench split file {path}: use split train, test or all.")
        out = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                sub_id = f"{row['task']}-{row['subtask']}"
            except (ValueError, KeyError, TypeError) as exc:
                raise AconError(f"Malformed line {n} of {path} ({exc}): {_refetch()}.") from exc
            if sub_id not in self.subtasks:
                raise AconError(
                    f"{path} line {n} names {sub_id}, which has no subtask file: {_refetch()}."
                )
            out.append(self.subtasks[sub_id])
        return out


def _refetch() -> str:
    return "restore the file from OfficeBench's tasks/ tree (zlwang-cs/OfficeBench)"
