"""Whole tasks on the built-in environment, with scripted agent replies."""

from __future__ import annotations

import json

import pytest

from acon.agent import AgentConfig, ContextConfig, run_task
from acon.agent.react import action_schema, parse_action
from acon.compression.fifo import Fifo, FifoConfig
from acon.environment import Action, Evaluation, StepResult
from acon.llm.client import LLMCallError
from acon.llm.scripted import ScriptedClient
from acon.llm.usage import BudgetExceeded
from acon.trajectory import ERRORED, TrajectoryWriter, read_events, replay_inputs
from environments.facts.config import FactsConfig
from environments.facts.env import FactsEnv


def step(tool, /, **arguments):
    return {"thought": f"call {tool}", "action": {"name": tool, "arguments": arguments}}


@pytest.fixture
def env():
    return FactsEnv(FactsConfig(seed=1, n_tasks=6, filler_lines=3))


def two_fact_task(env):
    task = next(t for t in env.tasks("test") if t.difficulty == "2")
    return task, task.metadata["gold"]


def people_in(task):
    return [
        part.split(" of ", 1)[1] for part in task.instruction[5:].split(". Answer")[0].split("; ")
    ]


def test_a_task_solved_by_lookups_then_finish_scores_one(env, tmp_path):
    task, gold = two_fact_task(env)
    a, b = people_in(task)
    client = ScriptedClient(
        [step("lookup", name=a), step("lookup", name=b), step("finish", answer="; ".join(gold))]
    )
    writer = TrajectoryWriter(tmp_path / "t.jsonl")
    record = run_task(env, task, client, writer=writer)
    writer.close()
    assert (record.score, record.success, record.end_reason) == (1.0, True, "finish")
    assert len(record.steps) == 3
    # the third call saw both lookups' pages
    third = client.calls[2][0]
    assert any(f"Employee: {a}" in m["content"] for m in third)
    events = read_events(tmp_path / "t.jsonl")
    assert [e["event"] for e in events] == ["start"] + ["agent_call", "action"] * 3 + ["end"]
    assert [e["name"] for e in events if e["event"] == "action"] == ["lookup", "lookup", "finish"]
    assert replay_inputs(events) == [call[0] for call in client.calls]


def test_a_half_right_answer_scores_half(env):
    task, gold = two_fact_task(env)
    record = run_task(env, task, ScriptedClient([step("finish", answer=f"{gold[0]}; wrong")]))
    assert (record.score, record.success) == (0.5, False)


def test_format_errors_are_counted_and_shown_to_the_agent(env):
    task, gold = two_fact_task(env)
    client = ScriptedClient(
        ["I think the answer is 42", step("nope"), step("finish", answer="; ".join(gold))]
    )
    record = run_task(env, task, client)
    assert record.format_errors == 2 and record.success
    assert "Invalid reply: the reply is not JSON" in client.calls[1][0][-1]["content"]
    assert "unknown tool 'nope'" in client.calls[2][0][-1]["content"]


def test_the_last_step_allows_only_the_finish_tool(env):
    task, _ = two_fact_task(env)
    client = ScriptedClient([step("lookup", name="Nobody Here")] * 2 + [step("finish", answer="x")])
    record = run_task(env, task, client, agent=AgentConfig(max_steps=3))
    assert record.end_reason == "finish" and len(record.steps) == 3
    last_messages, last_params = client.calls[-1]
    assert "step limit" in last_messages[-1]["content"]
    schema = last_params["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["action"]["properties"]["name"] == {"enum": ["finish"]}
    first_schema = client.calls[0][1]["response_format"]["json_schema"]["schema"]
    assert len(first_schema["properties"]["action"]["anyOf"]) == 2


def test_step_limit_without_an_answer_ends_with_step_limit(env):
    task, _ = two_fact_task(env)
    record = run_task(
        env, task, ScriptedClient([step("lookup", name="x")] * 2), agent=AgentConfig(max_steps=2)
    )
    assert (record.end_reason, record.score) == ("step_limit", 0.0)


def test_an_llm_failure_leaves_the_task_errored_not_scored(env, tmp_path):
    """An outage is not a result: the record has the failure and no score, and the
    benchmark never scores it (it would be a 0)."""
    task, _ = two_fact_task(env)
    down = LLMCallError("Could not reach the agent endpoint", role="agent", kind="connection")
    client = ScriptedClient([step("lookup", name="x"), down])
    scored = []
    env.evaluate = lambda: scored.append(1) or Evaluation(0.0, False)
    record = run_task(env, task, client, writer=TrajectoryWriter(tmp_path / "t.jsonl"))
    assert record.status == ERRORED and record.end_reason == ERRORED and not scored
    failure = record.failure
    assert (failure.stage, failure.kind, failure.role) == ("agent", "connection", "agent")
    assert "Could not reach" in failure.message and len(record.steps) == 1
    events = read_events(tmp_path / "t.jsonl")
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "connection"


def test_a_context_overflow_is_the_methods_failure_and_is_scored(env):
    task, _ = two_fact_task(env)
    too_long = LLMCallError("longer than the context", role="agent", kind="context_overflow")
    record = run_task(env, task, ScriptedClient([step("lookup", name="x"), too_long]))
    assert record.status == "finished" and record.end_reason == "context_overflow"
    assert record.score == 0.0 and record.failure is None


@pytest.mark.parametrize(
    ("where", "stage", "kind"),
    [
        ("step", "environment", "environment"),
        ("reset", "environment", "environment"),
        ("evaluate", "evaluation", "evaluation"),
    ],
)
def test_an_environment_or_evaluation_exception_leaves_the_task_errored(env, where, stage, kind):
    task, gold = two_fact_task(env)

    def broken(*args):
        raise RuntimeError("disk full")

    setattr(env, where, broken)
    client = ScriptedClient([step("lookup", name="x"), step("finish", answer="; ".join(gold))])
    record = run_task(env, task, client)
    assert record.status == ERRORED and (record.failure.stage, record.failure.kind) == (stage, kind)
    assert "disk full" in record.failure.message


def test_a_spent_budget_leaves_the_task_errored(env):
    task, _ = two_fact_task(env)
    record = run_task(env, task, ScriptedClient([BudgetExceeded("The budget of 3 calls is spent")]))
    assert record.status == ERRORED and record.failure.kind == "budget"


def test_a_compressor_endpoint_failure_leaves_the_task_errored(env):
    task, _ = two_fact_task(env)

    class Down(Fifo):
        def compact(self, state):
            raise LLMCallError(
                "Could not reach the compressor", role="compressor", kind="connection"
            )

    client = ScriptedClient([step("lookup", name="x")] * 3)
    agent = AgentConfig(max_steps=3, context=ContextConfig(history_threshold_tokens=0))
    record = run_task(env, task, client, agent=agent, history=Down(FifoConfig()))
    assert record.status == ERRORED
    assert (record.failure.stage, record.failure.role) == ("compressor", "compressor")


def test_history_compression_in_the_loop_bounds_the_context(env):
    task, gold = two_fact_task(env)
    a, _ = people_in(task)
    client = ScriptedClient([step("lookup", name=a)] * 7 + [step("finish", answer="x")])
    record = run_task(
        env,
        task,
        client,
        agent=AgentConfig(context=ContextConfig(history_threshold_tokens=400)),
        history=Fifo(FifoConfig(keep_turns=2)),
    )
    inputs = [s.in_tokens for s in record.steps]
    assert max(inputs) < 1000 and inputs[-1] < inputs[2] + 200
    assert sum(c.kind == "history" for c in record.compressions) >= 3


def test_native_tool_calls_and_top_level_calls_are_accepted(env):
    tools = env.tools()
    from acon.llm.client import ChatResult
    from acon.llm.usage import Usage

    native = ChatResult(
        "",
        Usage(),
        0,
        False,
        "m",
        tool_calls=[
            {"function": {"name": "lookup", "arguments": json.dumps({"name": "Ada Park"})}}
        ],
    )
    flat = ChatResult(
        json.dumps({"name": "finish", "arguments": {"answer": "a"}}), Usage(), 0, False, "m"
    )
    assert parse_action(native, tools) == Action("lookup", {"name": "Ada Park"})
    assert parse_action(flat, tools) == Action("finish", {"answer": "a"})


def test_action_schema_lists_each_tool_once(env):
    schema = action_schema(env.tools())["json_schema"]["schema"]
    names = [c["properties"]["name"]["enum"][0] for c in schema["properties"]["action"]["anyOf"]]
    assert names == ["lookup", "finish"]


def test_facts_env_unknown_name_and_tool(env):
    env.reset(env.tasks()[0])
    assert "No employee named" in env.step(Action("lookup", {"name": "Zed"})).observation
    assert env.step(Action("fly", {})) == StepResult("Unknown tool 'fly': use lookup or finish.")
