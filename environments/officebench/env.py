"""The OfficeBench environment: office apps as tools over a fresh copy of each testbed."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from acon.environment import Action, Environment, Evaluation, StepResult, Task, Tool
from acon.errors import require_extra
from acon.services import Services
from environments.officebench.apps import (
    FINISH_TOOL,
    SHELL_TOOL,
    SPECS,
    Shell,
    ShellConfig,
    office_tools,
    run_app,
    tesseract_available,
)
from environments.officebench.config import OfficeBenchConfig
from environments.officebench.data import OfficeBenchData, Subtask
from environments.officebench.evaluate import evaluate_checks
from environments.officebench.workspace import Workspace

log = logging.getLogger(__name__)


class OfficeBenchEnv(Environment):
    name = "officebench"
    finish_tool = "finish"

    def __init__(self, config: OfficeBenchConfig, services: Services | None = None):
        super().__init__(config, services)
        require_extra(
            "officebench",
            ["docx", "openpyxl", "pypdf", "reportlab", "pypdfium2", "icalendar", "PIL"],
            "OfficeBench (its office apps)",
        )
        self.data = OfficeBenchData(config.data_dir)
        self.prompt = config.prompt
        self.ocr_tasks = config.ocr_tasks
        self.shell = Shell(ShellConfig(config.shell_timeout_s, config.shell_isolate_network))
        self.max_observation_chars = config.max_observation_chars
        self.workspace_parent = config.workspace_parent
        self.ws: Workspace | None = None
        self._subtask: Subtask | None = None
        self._cwd: Path | None = None
        self.answer: str | None = None

    # -- tasks ----------------------------------------------------------------------------
    def tasks(self, split: str = "test") -> list[Task]:
        subtasks = self.data.split(split)
        if self.ocr_tasks == "exclude":  # the paper's rule: never part of the benchmark
            return [self._task(s) for s in subtasks if not s.needs_ocr]
        ocr = self.ocr_tasks == "include" or tesseract_available()
        skipped = [s.id for s in subtasks if s.needs_ocr and not ocr]
        if skipped:
            log.warning(
                "OfficeBench: skipping %d subtask(s) that read images or scanned PDFs, because "
                "tesseract-ocr is not installed (apt-get install tesseract-ocr, or "
                "env.ocr_tasks=include to keep them): %s",
                len(skipped),
                ", ".join(skipped),
            )
        return [self._task(s) for s in subtasks if s.id not in set(skipped)]

    def _task(self, sub: Subtask) -> Task:
        spec = sub.spec
        return Task(
            id=sub.id,
            instruction=spec["task"],
            difficulty=sub.level,
            metadata={
                "username": spec["username"],
                "date": spec["date"],
                "weekday": spec["weekday"],
                "time": spec["time"],
                "needs_ocr": sub.needs_ocr,
            },
        )

    # -- an episode -----------------------------------------------------------------------
    def reset(self, task: Task) -> str:
        self._close_workspace()
        if task.id not in self.data.subtasks:
            raise KeyError(f"no OfficeBench subtask {task.id}")
        self._subtask = self.data.subtasks[task.id]
        self.ws = Workspace(self._subtask, self.workspace_parent)
        self._cwd, self.answer = self.ws.root, None
        spec = self._subtask.spec
        return self.prompt.format(
            **{k: spec[k] for k in ("date", "weekday", "time", "username", "task")}
        )

    def tools(self) -> list[Tool]:
        return [*office_tools(), SHELL_TOOL, FINISH_TOOL]

    def step(self, action: Action) -> StepResult:
        ws = self._require()
        args = action.arguments
        if action.name == self.finish_tool:
            self.answer = str(args.get("answer", "None"))
            # As OfficeBench did: the answer (quotes dropped) goes to /testbed/data/answer.txt.
            text = self.answer.replace('"', "").replace("'", "")
            (ws.root / "data").mkdir(exist_ok=True)
            (ws.root / "data" / "answer.txt").write_text(text + "\n", encoding="utf-8")
            return StepResult("Task finished.", done=True)
        if action.name == SHELL_TOOL.name:
            try:
                observation, self._cwd = self.shell(ws, args, self._cwd or ws.root)
            except ValueError as exc:  # ToolError / PathError
                observation = f"Failed: {exc}"
        elif action.name in SPECS:
            observation = run_app(action.name, ws, args)
        else:
            observation = f"Unknown tool {action.name!r}."
        if len(observation) > self.max_observation_chars:
            cut = self.max_observation_chars
            observation = observation[:cut] + f"\n[... cut at {cut} characters]"
        return StepResult(observation)

    def evaluate(self) -> Evaluation:
        ws = self._require()
        assert self._subtask is not None
        results = evaluate_checks(ws, self._subtask.spec["evaluation"])
        passed = all(r.passed for r in results)
        return Evaluation(
            score=1.0 if passed else 0.0,
            success=passed,
            details={
                "checks": [vars(r) for r in results],
                "checks_passed": sum(r.passed for r in results),
                "answer": self.answer,
            },
        )

    def close(self) -> None:
        self._close_workspace()

    def _require(self) -> Workspace:
        if self.ws is None:
            raise RuntimeError("call reset(task) first")
        return self.ws

    def _close_workspace(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.ws = None

    def __del__(self) -> None:  # a run that crashed still removes its temporary copy
        with contextlib.suppress(Exception):
            self._close_workspace()

    def workspace_for(self, subtask_id: str) -> Workspace:
        """A fresh workspace for a subtask, outside any episode (for checks and tests)."""
        return Workspace(self.data.subtasks[subtask_id], self.workspace_parent)

    def evaluate_workspace(self, subtask_id: str, ws: Workspace) -> list[Any]:
        return evaluate_checks(ws, self.data.subtasks[subtask_id].spec["evaluation"])
