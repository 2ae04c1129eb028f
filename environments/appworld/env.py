"""AppWorld as an Acon environment: the agent writes Python against the apps' APIs.

The engine runs in its own virtual environment behind HTTP (see server.py); this class
talks to it with the client and never imports AppWorld. Tools:
- `execute(code)`: run Python in the task's world (`apis.<app>.<api>(...)`); the
  observation is its printed output (head and tail kept when it is very long).
- `complete_task(answer=None)`: the supervisor's `complete_task`, which ends the task.
An `execute` whose code calls `apis.supervisor.complete_task` itself ends it too.

Scoring is AppWorld's own: the task's tests run on the database diff between the task's
start and the agent's end state. score = success = task goal completion (every test
passes), AppWorld's headline; the fraction of tests passed is a diagnostic measure
(`measure:Tests passed`). Scenario goal completion is aggregated over tasks (each task
carries its scenario; the report's tables and metrics.py); difficulty (1-3) comes from the
task's metadata.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from string import Template

from acon.environment import Action, Environment, Evaluation, StepResult, Task, Tool
from acon.errors import AconError
from acon.services import Services
from environments.appworld.client import AppWorldClient
from environments.appworld.config import AppWorldConfig
from environments.appworld.data import (
    check_install,
    ensure_pack,
    generated_tasks,
    official_tasks,
)
from environments.appworld.engine_servers import ENGINE_APP, AppWorldServer, ServerPool

log = logging.getLogger(__name__)
PROMPT = Path(__file__).resolve().parent / "prompt.md"
APPS = "supervisor, api_docs, amazon, file_system, gmail, phone, simple_note, splitwise, spotify, todoist, venmo"  # noqa: E501


def truncate(text: str, max_chars: int) -> str:
    """Keep the head and the tail of a long output, saying how much was cut."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    head = max_chars * 2 // 3
    tail = max_chars - head
    cut = len(text) - head - tail
    return f"{text[:head]}\n... [{cut} characters cut] ...\n{text[-tail:]}"


class AppWorldEnv(Environment):
    name = "appworld"
    finish_tool = "complete_task"
    config: AppWorldConfig

    def __init__(
        self,
        config: AppWorldConfig,
        services: Services | None = None,
        *,
        pool: ServerPool | None = None,
    ):
        super().__init__(config, services)
        c = self.config
        self.task_source = c.task_source
        self.python = c.python
        self.appworld_root = c.appworld_root
        self.splits_dir = c.splits_dir
        self.pack_dir = c.pack_dir
        self.servers = c.servers
        self.experiment_name = c.experiment_name
        self.max_output_chars = c.max_output_chars
        self.startup_timeout_s = c.startup_timeout_s
        self.request_timeout_s = c.request_timeout_s
        self.engine_app = c.engine_app or str(ENGINE_APP)
        self._root: Path | None = None
        self._pool = pool
        self._owns_pool = pool is None
        self._server: AppWorldServer | None = None
        self._client: AppWorldClient | None = None
        self._task: Task | None = None
        self._done = False

    def log_dir(self) -> Path:
        """Where the engine servers' logs go: env.log_dir, else the run folder, else a
        temporary folder (outside a run)."""
        if self.config.log_dir:
            return Path(self.config.log_dir)
        if self.services.run is not None:
            return self.services.run.make().path
        return Path(tempfile.mkdtemp(prefix="acon-appworld-"))

    # --- tasks -------------------------------------------------------------------------

    def root(self) -> Path:
        """The AppWorld root the servers read (generating the pack when needed)."""
        if self._root is None:
            if self.task_source == "generated":
                self._root = ensure_pack(self.python, self.pack_dir)
            else:
                self._root = Path(self.appworld_root or "")
        return self._root

    def tasks(self, split: str = "test") -> list[Task]:
        if self.task_source == "generated":
            return generated_tasks(self.root(), split)
        if not self.splits_dir:
            raise AconError("env.splits_dir is unset: point it at the AppWorld split id files.")
        return official_tasks(self.appworld_root, self.splits_dir, split)

    # --- servers -----------------------------------------------------------------------

    def pool(self) -> ServerPool:
        if self._pool is None:
            root = self.root()
            if not (root / "data").is_dir():
                raise AconError(f"No AppWorld data in {root}: run `appworld download data`.")
            if self.engine_app == str(ENGINE_APP):
                check_install(self.python)
            self._pool = ServerPool(
                self.servers,
                self.python,
                root,
                self.log_dir(),
                script=self.engine_app,
                startup_timeout_s=self.startup_timeout_s,
            )
        return self._pool

    def replica(self) -> AppWorldEnv:
        """Another env over the same servers, for one more parallel worker (up to
        `servers` run tasks at once; more wait for a free server)."""
        twin = AppWorldEnv(self.config, self.services, pool=self.pool())
        twin._root = self.root()
        return twin

    # --- one episode -------------------------------------------------------------------

    def reset(self, task: Task) -> str:
        self._end_world()
        if self._server is None:
            self._server = self.pool().acquire()
            self._client = AppWorldClient(self._server.base_url, self.request_timeout_s)
        assert self._client is not None
        info = self._client.initialize(task.id, experiment_name=self.experiment_name)
        self._task, self._done = task, False
        boss = info.get("supervisor") or task.metadata.get("supervisor", {})
        return (
            Template(PROMPT.read_text(encoding="utf-8"))
            .substitute(
                first_name=boss.get("first_name", ""),
                last_name=boss.get("last_name", ""),
                email=boss.get("email", ""),
                phone_number=boss.get("phone_number", ""),
                datetime=info.get("datetime") or task.metadata.get("datetime") or "",
                instruction=info.get("instruction") or task.instruction,
                apps=APPS,
                finish=self.finish_tool,
            )
            .strip()
        )

    def tools(self) -> list[Tool]:
        return [
            Tool(
                "execute",
                "Run Python code in the AppWorld environment (`apis.<app>.<api>(...)`); "
                "returns what it prints, or the error traceback.",
                {
                    "type": "object",
                    "properties": {"code": {"type": "string"}},
                    "required": ["code"],
                },
            ),
            Tool(
                "complete_task",
                "Mark the task complete (the supervisor's complete_task). Give `answer` "
                "only when the task asks a question; otherwise leave it out.",
                {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": [],
                },
            ),
        ]

    def step(self, action: Action) -> StepResult:
        if self._task is None or self._client is None:
            raise RuntimeError("step() before reset()")
        task_id = self._task.id
        if action.name == "complete_task":
            answer = action.arguments.get("answer")
            if isinstance(answer, str) and not answer.strip():
                answer = None
            arg = "" if answer is None else f"answer={answer!r}"
            output = self._client.execute(task_id, f"apis.supervisor.complete_task({arg})")
            self._done = True
            return StepResult(truncate(output, self.max_output_chars), done=True)
        if action.name == "execute":
            code = str(action.arguments.get("code", ""))
            output = self._client.execute(task_id, code)
            done = "complete_task" in code and self._client.task_completed(task_id)
            self._done = done
            return StepResult(truncate(output, self.max_output_chars), done=done)
        return StepResult(f"Unknown tool {action.name!r}: use execute or complete_task.")

    def evaluate(self) -> Evaluation:
        if self._task is None or self._client is None:
            return Evaluation(0.0, False, {"error": "no task was started"})
        result = self._client.evaluate(self._task.id)
        passes, failures = result.get("passes", []), result.get("failures", [])
        n_tests = int(result.get("num_tests") or len(passes) + len(failures)) or 1
        success = bool(result.get("success"))
        return Evaluation(
            score=float(success),  # task goal completion
            success=success,
            measures={"Tests passed": len(passes) / n_tests},  # a diagnostic
            details={
                "num_tests": n_tests,
                "passed": [p["requirement"] for p in passes],
                "failed": [
                    {"requirement": f["requirement"], "trace": f.get("trace", "")[-600:]}
                    for f in failures
                ],
                "difficulty": result.get("difficulty"),
                "scenario": self._task.scenario,
                "completed": self._done,
            },
        )

    def _end_world(self) -> None:
        if self._task is not None and self._client is not None:
            try:
                self._client.close(self._task.id)
            except Exception as exc:  # noqa: BLE001 - the next initialize resets the world
                log.warning("Closing AppWorld task %s failed: %s", self._task.id, exc)
        self._task = None

    def close(self) -> None:
        """End the open world, give the server back, and stop the servers we started."""
        self._end_world()
        if self._client is not None:
            self._client.shutdown()
            self._client = None
        if self._server is not None and self._pool is not None:
            self._pool.release(self._server)
            self._server = None
        if self._owns_pool and self._pool is not None:
            self._pool.stop()
            self._pool = None
