"""The ReAct loop: reply (thought and one action), observation, until the task ends.

The environment supplies the tools; the agent answers in JSON constrained by a schema
built from them (so small local models stay parseable), and native tool calls are
accepted too. The task ends at the environment's finish action, at the step limit (the
last step allows only the finish tool, so every episode ends with an answer) or when the
context outgrows the agent model's window; then the benchmark scores it. Anything else
that stops it (an LLM call that failed for good, the environment or its evaluation
raising, a spent budget) leaves it errored, unscored, with the failure's stage and kind.
Every call is recorded as it happens.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from pathlib import Path
from string import Template
from typing import Any

from acon.agent.action_pads import ActionPads
from acon.agent.artifacts import READ_ARTIFACT
from acon.agent.config import AgentConfig
from acon.agent.context import AgentContext
from acon.compression.base import HistoryStrategy, ObservationStrategy
from acon.environment import Action, Environment, Task, Tool
from acon.errors import AconError
from acon.llm.client import ChatClient, ChatResult, LLMCallError
from acon.llm.usage import BudgetExceeded
from acon.trajectory import ERRORED, AgentStep, Failure, TaskRecord, TrajectoryWriter

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_tools(tools: list[Tool]) -> str:
    lines = []
    for tool in tools:
        props = tool.parameters.get("properties", {})
        args = ", ".join(f"{name}: {spec.get('type', 'any')}" for name, spec in props.items())
        lines.append(f"- {tool.name}({args}): {tool.description}")
    return "\n".join(lines)


def system_prompt(tools: list[Tool], finish_tool: str, example: str | None = None) -> str:
    """The agent's system prompt: how to work, the tools, the reply format and, as the
    paper's agents had (its Section 3.1), a worked example written for the benchmark."""
    template = Template((TEMPLATES / "system.md").read_text(encoding="utf-8"))
    text = template.substitute(tools=render_tools(tools), finish=finish_tool).strip()
    if example:
        text += (
            f"\n\n## Example (another task: the replies, and the observations they got)\n{example}"
        )
    return text


def action_schema(tools: list[Tool]) -> dict[str, Any]:
    """A JSON schema that admits exactly one call of one of `tools`."""
    choices = [
        {
            "type": "object",
            "properties": {"name": {"enum": [tool.name]}, "arguments": tool.parameters},
            "required": ["name", "arguments"],
        }
        for tool in tools
    ]
    schema = {
        "type": "object",
        "properties": {
            "thought": {"type": "string"},
            "action": choices[0] if len(choices) == 1 else {"anyOf": choices},
        },
        "required": ["thought", "action"],
    }
    return {"type": "json_schema", "json_schema": {"name": "step", "schema": schema}}


def parse_action(result: ChatResult, tools: list[Tool]) -> Action:
    """The action in a reply; ValueError (with a message for the agent) when there is none."""
    names = {tool.name for tool in tools}
    if result.tool_calls:
        fn = result.tool_calls[0].get("function", {})
        call = {"name": fn.get("name"), "arguments": json.loads(fn.get("arguments") or "{}")}
    else:
        try:
            data = result.json()
        except ValueError as exc:
            raise ValueError(f"the reply is not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ValueError("the reply is not a JSON object")
        # Some models put the call itself at the top level.
        call = data.get("action", data)
    if not isinstance(call, dict) or call.get("name") not in names:
        got = call.get("name") if isinstance(call, dict) else call
        raise ValueError(f"unknown tool {got!r}; use one of {', '.join(sorted(names))}")
    arguments = call.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise ValueError("arguments must be a JSON object")
    return Action(name=call["name"], arguments=arguments)


class MessageIds:
    """Numbers each distinct message once, so the trajectory stores each message once."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}

    def assign(self, messages: list[dict[str, Any]]) -> tuple[list[int], list[tuple[int, dict]]]:
        ids, new = [], []
        for message in messages:
            key = (message["role"], message.get("content") or "")
            if key not in self._ids:
                self._ids[key] = len(self._ids)
                new.append((self._ids[key], message))
            ids.append(self._ids[key])
        return ids, new


def run_task(
    env: Environment,
    task: Task,
    client: ChatClient,
    *,
    agent: AgentConfig | None = None,
    history: HistoryStrategy | None = None,
    observation: ObservationStrategy | None = None,
    writer: TrajectoryWriter | None = None,
    artifacts_dir: Path | None = None,
    pads: ActionPads | None = None,
) -> TaskRecord:
    """Run one task to its end and return its record: scored when it finished, with its
    `failure` when infrastructure cut it short (see acon.trajectory). An offloading
    observation strategy stores payloads under `artifacts_dir` (in memory without one);
    `pads` offers the task the action sequences of similar solved tasks."""
    agent = agent or AgentConfig()
    writer = writer or TrajectoryWriter(None)
    record = TaskRecord(task_id=task.id, difficulty=task.difficulty, scenario=task.scenario)
    stage = "environment"
    started = time.perf_counter()  # before the environment (a frozen clock stops time.time)
    try:
        instruction = env.reset(task)
        tools = env.tools()
        if observation is not None and observation.offloads:
            tools = with_read_artifact(tools)
        prompt, offered = pads.offer(instruction) if pads else (instruction, [])
        writer.event(
            "start",
            task_id=task.id,
            difficulty=task.difficulty,
            instruction=instruction,
            action_pads=offered,
        )
        ctx = AgentContext(
            system_prompt(tools, env.finish_tool, env.example()),
            prompt,
            agent.context,
            history,
            observation,
            record,
            writer,
            artifacts_dir=artifacts_dir,
        )
        try:
            stage = _loop(env, client, agent, ctx, tools, record, writer)
        finally:
            ctx.close()
        evaluation = env.evaluate()
        # replayed answers took their recorded live time, as every timing column counts them
        record.wall_s = time.perf_counter() - started + record.replayed_s
    except Exception as exc:  # not the agent's own doing: the task is errored, not failed
        record.failure = failure_of(exc, stage)
        record.end_reason = ERRORED
        log.warning("Task %s errored (%s): %s", task.id, record.failure.stage, exc)
        writer.event(
            "error",
            stage=record.failure.stage,
            kind=record.failure.kind,
            message=record.failure.message,
            traceback=traceback.format_exc(),
        )
        return record
    record.score, record.success = evaluation.score, evaluation.success
    record.measures = dict(evaluation.measures)
    writer.event(
        "end",
        task_id=task.id,
        score=record.score,
        success=record.success,
        end_reason=record.end_reason,
        evaluation=evaluation.details,
    )
    return record


def _loop(
    env: Environment,
    client: ChatClient,
    agent: AgentConfig,
    ctx: AgentContext,
    tools: list[Tool],
    record: TaskRecord,
    writer: TrajectoryWriter,
) -> str:
    """The steps, until the finish action, the step limit or a context overflow; returns
    the stage that runs next (evaluation). A failure raises, naming its stage."""
    finish_only = [t for t in tools if t.name == env.finish_tool]
    last_step = {
        "role": "user",
        "content": Template((TEMPLATES / "last_step.md").read_text(encoding="utf-8"))
        .substitute(finish=env.finish_tool)
        .strip(),
    }
    schemas = {False: action_schema(tools), True: action_schema(finish_only or tools)}
    ids = MessageIds()
    params: dict[str, Any] = {"max_tokens": agent.max_tokens} if agent.max_tokens else {}
    for step in range(1, agent.max_steps + 1):
        final = step == agent.max_steps
        messages = ctx.messages() + ([last_step] if final else [])
        try:
            result = client.chat(messages, response_format=schemas[final], **params)
        except LLMCallError as exc:
            if exc.kind != "context_overflow":
                raise _At("agent", exc) from exc
            # the method let the context outgrow the model: a scored failure, not an outage
            record.end_reason = "context_overflow"
            writer.event("context_overflow", step=step, message=str(exc))
            return "evaluation"
        except Exception as exc:
            raise _At("agent", exc) from exc
        context_ids, new = ids.assign(messages)
        _record_call(record, writer, step, result, ctx.system_tokens, context_ids, new)
        try:
            action = parse_action(result, tools)
        except ValueError as exc:
            record.format_errors += 1
            _add(
                ctx,
                step,
                result.text,
                f"Invalid reply: {exc}. Reply with one JSON object as described.",
            )
            continue
        writer.event("action", step=step, name=action.name, arguments=action.arguments)
        if ctx.artifacts is not None and action.name == READ_ARTIFACT.name:
            _add(ctx, step, result.text, ctx.artifacts.read(action.arguments), compress=False)
            continue
        try:
            outcome = env.step(action)
        except Exception as exc:
            raise _At("environment", exc) from exc
        if outcome.done:
            record.end_reason = "finish"
            return "evaluation"
        _add(ctx, step, result.text, outcome.observation)
    record.end_reason = "step_limit"
    return "evaluation"


def with_read_artifact(tools: list[Tool]) -> list[Tool]:
    """The environment's tools and `read_artifact` (acon.agent.artifacts)."""
    if any(t.name == READ_ARTIFACT.name for t in tools):
        raise AconError(
            f"The environment has its own {READ_ARTIFACT.name!r} tool, which offloading would "
            "shadow: rename it, or choose another observation strategy."
        )
    return [*tools, READ_ARTIFACT]


def _add(
    ctx: AgentContext, step: int, action: str, observation: str, compress: bool = True
) -> None:
    try:
        ctx.add(step, action, observation, compress)
    except Exception as exc:  # a compressor endpoint that failed (see AgentContext)
        raise _At("compressor", exc) from exc


class _At(Exception):
    """Carries the stage a failure happened in up to run_task."""

    def __init__(self, stage: str, exc: Exception):
        super().__init__(str(exc))
        self.stage, self.exc = stage, exc


def failure_of(exc: Exception, stage: str) -> Failure:
    """What kind of infrastructure failure `exc` is."""
    if isinstance(exc, _At):
        stage, exc = exc.stage, exc.exc
    if isinstance(exc, BudgetExceeded):
        return Failure(stage, "budget", str(exc))
    if isinstance(exc, LLMCallError):
        return Failure(stage, exc.kind or "llm", str(exc), exc.role)
    kind = "evaluation" if stage == "evaluation" else "environment"
    text = str(exc) if isinstance(exc, AconError) else f"{type(exc).__name__}: {exc}"
    return Failure(stage, kind, text)


def _record_call(
    record: TaskRecord,
    writer: TrajectoryWriter,
    step: int,
    result: ChatResult,
    system_tokens: int,
    context_ids: list[int],
    new: list[tuple[int, dict]],
) -> None:
    usage = result.usage
    entry = AgentStep(
        step=step,
        in_tokens=usage.prompt_cl100k,
        system_tokens=system_tokens,
        out_tokens=usage.completion_cl100k,
        provider_in=usage.prompt,
        provider_cached=usage.cached_prompt,
        provider_out=usage.completion,
        latency_s=result.latency_s,
        cost_usd=result.cost_usd,
        cache_hit=result.cache_hit,
    )
    record.steps.append(entry)
    if result.cache_hit:
        record.replayed_s += result.latency_s
    writer.event(
        "agent_call",
        **vars(entry),
        context=context_ids,
        new_messages=new,
        reply=result.text,
        tool_calls=result.tool_calls,
    )
