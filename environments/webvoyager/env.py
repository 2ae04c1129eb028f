"""WebVoyager: a web agent in a real headless Chromium, seeing each page as text.

Two task sources share one browser path:
- `webvoyager` (and `gaia`): the benchmark's tasks on live websites (needs internet),
  judged as the paper does by an LLM (the `judge` role) from the task, the agent's answer,
  the final page and the annotators' reference answer;
- `local`: small multi-page sites shipped in `sites/`, served on 127.0.0.1 by the
  environment itself, with answers checked by exact match (no judge, no internet).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from string import Template
from typing import Any

from acon.environment import Action, Environment, Evaluation, StepResult, Task, Tool
from acon.errors import AconError
from acon.services import Services
from environments.webvoyager.browser import Browser
from environments.webvoyager.config import WebVoyagerConfig
from environments.webvoyager.judge import Judge
from environments.webvoyager.site_server import SiteServer
from environments.webvoyager.tasks import load_gaia, load_local, load_webvoyager, split

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def normalize(text: str) -> str:
    text = re.sub(r"[^a-z0-9. ]", "", text.lower())
    return re.sub(r"\s+", " ", text).strip(" .")


def _obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


TOOLS = [
    Tool(
        "click",
        "Click element [id] (a link, button, checkbox, ...).",
        _obj({"id": {"type": "integer"}}, ["id"]),
    ),
    Tool(
        "type",
        "Type text into element [id] (a text box, or pick an option of a select by "
        "its label); submit (default true) presses Enter afterwards.",
        _obj(
            {"id": {"type": "integer"}, "text": {"type": "string"}, "submit": {"type": "boolean"}},
            ["id", "text"],
        ),
    ),
    Tool(
        "scroll",
        "Scroll the page up or down to see more of it.",
        _obj({"direction": {"enum": ["up", "down"]}}, ["direction"]),
    ),
    Tool("go_back", "Go back to the previous page.", _obj({}, [])),
    Tool("goto", "Open a URL (http or https).", _obj({"url": {"type": "string"}}, ["url"])),
    Tool(
        "answer",
        "Give the final answer to the task and end it.",
        _obj({"text": {"type": "string"}}, ["text"]),
    ),
]


class WebVoyagerEnv(Environment):
    finish_tool = "answer"
    config: WebVoyagerConfig

    def __init__(self, config: WebVoyagerConfig, services: Services | None = None):
        super().__init__(config, services)
        if config.task_source != "local" and not config.data_dir:
            raise AconError("env.data_dir is not set: point it at WebVoyager's data/ folder.")
        self.name = "webvoyager_local" if config.task_source == "local" else "webvoyager"
        self.task_source = config.task_source
        self.data_dir = config.data_dir
        self.sites = list(config.sites) if config.sites else None
        self.train_per_site = config.train_per_site
        self.split_seed = config.split_seed
        self.sites_dir = Path(config.sites_dir) if config.sites_dir else HERE / "sites"
        self.browser = Browser(config.browser)
        self._server: SiteServer | None = None
        self._task: Task | None = None
        self._answer: str | None = None
        self._actions = 0

    def tasks(self, split_name: str = "test") -> list[Task]:
        if self.task_source == "local":
            tasks = load_local(self.sites_dir)
        elif self.task_source == "gaia":
            tasks = load_gaia(self.data_dir)  # type: ignore[arg-type]
        else:
            tasks = load_webvoyager(self.data_dir, self.sites)  # type: ignore[arg-type]
        return split(tasks, split_name, self.train_per_site, self.split_seed)

    def tools(self) -> list[Tool]:
        return list(TOOLS)

    # -- an episode --------------------------------------------------------------------
    def start_url(self, task: Task) -> str:
        if task.metadata.get("source") == "local":
            if self._server is None:
                self._server = SiteServer(self.sites_dir).start()
            return f"{self._server.url}/{task.metadata['start']}"
        return str(task.metadata["web"])

    def reset(self, task: Task) -> str:
        self._task, self._answer, self._actions = task, None, 0
        url = self.start_url(task)
        self.browser.new_context()
        note = self.browser.goto(url)
        if not note.startswith("Opened"):
            log.warning("Task %s: the start page did not load (%s)", task.id, note)
        observation = self._observe(note if not note.startswith("Opened") else "")
        template = Template((HERE / "task.md").read_text(encoding="utf-8"))
        return template.substitute(
            task=task.instruction, website=url, observation=observation
        ).strip()

    def step(self, action: Action) -> StepResult:
        args = action.arguments
        self._actions += 1
        if action.name == "answer":
            self._answer = str(args.get("text", ""))
            return StepResult("Answer recorded.", done=True)
        b = self.browser
        try:
            if action.name == "click":
                note = b.click(int(args["id"]))
            elif action.name == "type":
                submit = args.get("submit", True)
                submit = submit if isinstance(submit, bool) else str(submit).lower() != "false"
                note = b.type(int(args["id"]), str(args["text"]), submit)
            elif action.name == "scroll":
                note = b.scroll(str(args.get("direction", "down")))
            elif action.name == "go_back":
                note = b.go_back()
            elif action.name == "goto":
                note = b.goto(str(args["url"]))
            else:
                return StepResult(f"Unknown tool {action.name!r}: use one of the listed tools.")
        except (KeyError, TypeError, ValueError) as exc:
            return StepResult(f"Bad arguments for {action.name}: {exc!r}.")
        return StepResult(self._observe(note))

    def _observe(self, note: str) -> str:
        try:
            page = self.browser.observe()
        except Exception as exc:  # the page was navigating mid-snapshot: look once more
            log.debug("snapshot retry after %r", exc)
            try:
                self.browser.page.wait_for_timeout(500)
                page = self.browser.observe()
            except Exception as again:
                page = f"(the page could not be read: {again!r}; try go_back or goto)"
        return f"{note}\n\n{page}" if note else page

    # -- scoring -----------------------------------------------------------------------
    def evaluate(self) -> Evaluation:
        if self._task is None:
            raise AconError("evaluate() before reset(): run a task first.")
        meta = self._task.metadata
        details: dict[str, Any] = {"answer": self._answer, "actions": self._actions}
        details["final_url"] = self._final_url()
        if meta["source"] == "local":
            gold = [normalize(a) for a in meta["answers"]]
            ok = self._answer is not None and normalize(self._answer) in gold
            return Evaluation(float(ok), ok, {**details, "answers": meta["answers"]})
        details["reference"] = meta["reference"]
        if not self._answer:
            # The last step forces `answer`, so none means the episode broke off.
            return Evaluation(0.0, False, {**details, "judge": "not called: no answer"})
        verdict = self._judge()(
            task=self._task.instruction,
            website=meta["web"],
            answer=self._answer,
            reference=meta["reference"],
            reference_type=meta["reference_type"],
            notice=meta.get("notice", ""),
            page=self._final_page(),
            screenshot=self._final_screenshot(),
        )
        details.update(
            judge_success=verdict.success,
            judge_reasoning=verdict.reasoning,
            **verdict.details,
        )
        return Evaluation(float(verdict.success), verdict.success, details)

    def _judge(self) -> Judge:
        if self.services.llms is None:
            raise AconError(
                "Live WebVoyager tasks are scored by the judge LLM: run them with acon-rollout, "
                "or build the environment with the run's services (Services(llms=...))."
            )
        judge = self.config.judge
        return Judge(self.services.llms.client(judge.role), judge.template)

    def _final_url(self) -> str | None:
        page = self.browser.page
        return page.url if page is not None else None

    def _final_page(self) -> str:
        try:
            return self.browser.snapshot(
                from_viewport=False, max_chars=self.config.judge.page_chars
            ).render()
        except Exception as exc:
            return f"(the final page could not be read: {exc!r})"

    def _final_screenshot(self) -> bytes | None:
        if not self.config.judge.screenshot:
            return None
        try:
            return self.browser.screenshot()
        except Exception as exc:
            log.warning("No final screenshot for the judge: %r", exc)
            return None

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            if self._server is not None:
                self._server.stop()
                self._server = None
