"""`offload`: a large observation goes to the task's artifact store; the context keeps a
handle and a gist, its findings a FactSet block; `read_artifact` reads any part back, in
every environment; every artifact is in the record and on disk byte for byte."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from acon.agent import AgentConfig, ContextConfig, run_task
from acon.agent.artifacts import ArtifactStore
from acon.agent.context import AgentContext
from acon.composition import compose
from acon.compression.offload import Offload, OffloadConfig, gist_and_facts
from acon.config.build import typed
from acon.config.schemas import InvalidSetting
from acon.llm.scripted import ScriptedClient
from acon.services import Services
from acon.trajectory import TaskRecord, TrajectoryWriter, read_events
from environments.facts.config import FactsConfig
from environments.facts.env import FactsEnv
from tests.support import OneRoleLLMs

# a payload with what files hold: CRLF, tabs, trailing spaces, non-ASCII, a last line
# without its newline
PAYLOAD = (
    "".join(f"row {i}\tAda Lovelace-{i}  \tMünchen ☃ {i * 7}\r\n" for i in range(1, 61))
    + "final row: the answer is 4242"
)
REPLY = "Sixty directory rows and a final row.\n- the answer: 4242\n- row 3 value: 21"


def compressor(reply: str = REPLY) -> ScriptedClient:
    return ScriptedClient(lambda messages, params: {"reasoning": "r", "observation": reply})


def offload_context(tmp_path: Path | None, gist: str = "model", read_max_tokens: int = 800):
    client = compressor()
    strategy = Offload(
        OffloadConfig(gist=gist, read_max_tokens=read_max_tokens),
        Services(llms=OneRoleLLMs(client)),
    )
    writer = TrajectoryWriter(tmp_path / "t.jsonl" if tmp_path else None)
    ctx = AgentContext(
        "system prompt",
        "the task",
        ContextConfig(observation_threshold_tokens=50),
        None,
        strategy,
        TaskRecord("t"),
        writer,
        artifacts_dir=tmp_path / "artifacts" if tmp_path else None,
    )
    return ctx, client, writer


def test_a_large_observation_leaves_a_handle_a_gist_and_its_findings(tmp_path):
    ctx, client, writer = offload_context(tmp_path)
    turn = ctx.add(1, "action 1", PAYLOAD)
    writer.close()
    assert turn.observation.startswith("[artifact 1: 61 lines,")
    assert turn.observation.endswith(
        "\nSixty directory rows and a final row.\n- the answer: 4242\n- row 3 value: 21"
    )
    assert "Ada Lovelace" not in turn.observation
    messages = ctx.messages()
    assert messages[2] == {
        "role": "user",
        "content": "Findings so far:\n- the answer: 4242\n- row 3 value: 21",
    }
    # the compressor saw the payload, following the shipped offload guideline
    ((sent, _),) = client.calls
    assert "artifact store" in sent[0]["content"] and PAYLOAD in sent[1]["content"]
    # nothing is lost: byte for byte on disk and in the trajectory record
    assert (tmp_path / "artifacts" / "1.txt").read_bytes() == PAYLOAD.encode("utf-8")
    (artifact,) = [e for e in read_events(tmp_path / "t.jsonl") if e["event"] == "artifact"]
    assert artifact["text"] == PAYLOAD and artifact["id"] == 1
    assert ctx.tokens < 200  # the context holds handle, gist and findings only


def test_findings_accumulate_once_each_across_offloads(tmp_path):
    ctx, _, writer = offload_context(None)
    ctx.add(1, "a1", PAYLOAD)
    ctx.add(2, "a2", PAYLOAD + "\nmore")
    assert ctx.facts == ["the answer: 4242", "row 3 value: 21"]
    assert [ctx.artifacts.items[i].text for i in (1, 2)] == [PAYLOAD, PAYLOAD + "\nmore"]
    # short observations stay as they are
    assert ctx.add(3, "a3", "short").observation == "short"


def test_read_artifact_by_range_by_query_and_within_its_budget():
    store = ArtifactStore(None, read_max_tokens=60)
    store.put(PAYLOAD)
    lines = PAYLOAD.splitlines()
    answer = store.read({"id": 1, "start_line": 2, "end_line": 3})
    assert answer.splitlines()[1:] == [f"2: {lines[1]}", f"3: {lines[2]}"]
    found = store.read({"id": 1, "query": "ANSWER"})
    assert found.splitlines()[1:] == ["61: final row: the answer is 4242"]
    whole = store.read({"id": 1})
    assert "(cut at 60 tokens: read on from line" in whole
    assert len(whole.splitlines()) < 15
    assert store.read({"id": 7}) == "No artifact 7; stored: 1."
    assert "No line of artifact 1 matches" in store.read({"id": 1, "query": "zebra"})
    assert "integers" in store.read({"id": 1, "start_line": "two"})
    store.put("x" * 2000)  # one line longer than the budget: its start, and where to go on
    assert store.read({"id": 2}).endswith("(cut at 60 tokens: read on from line 2)")


def test_head_gist_calls_no_model_and_keeps_the_first_line():
    ctx, client, _ = offload_context(None, gist="head")
    turn = ctx.add(1, "a1", "\n\n" + PAYLOAD)
    assert turn.observation.endswith("\nrow 1\tAda Lovelace-1  \tMünchen ☃ 7")
    assert client.calls == [] and ctx.facts == []
    assert OffloadConfig(gist="head").llm_roles() == ()


def test_the_reply_parses_into_a_gist_and_findings():
    assert gist_and_facts("* a\ngist line\n- b\n- a\nsecond line") == ("gist line", ("a", "b"))
    assert gist_and_facts("- only a finding") == ("(no gist)", ("only a finding",))


def test_config_checks_and_yaml():
    with pytest.raises(InvalidSetting, match="gist"):
        OffloadConfig(gist="tail")
    cfg = compose(["compression/observation=offload"])
    assert typed(cfg.compression.observation).guideline.name == "offload"


@pytest.fixture
def facts():
    return FactsEnv(FactsConfig(seed=1, n_tasks=4, filler_lines=3))


def test_the_agent_reads_an_artifact_back_and_the_environment_never_sees_it(facts, tmp_path):
    task = next(t for t in facts.tasks("test") if t.difficulty == "1")
    name = task.instruction[5:].split(". Answer")[0].split(" of ", 1)[1]
    gold = task.metadata["gold"][0]

    def agent(messages, params):
        seen = [m["content"] for m in messages]
        if len(seen) == 2:
            return {"thought": "t", "action": {"name": "lookup", "arguments": {"name": name}}}
        if not any(s.startswith("Observation:\nArtifact 1") for s in seen):
            return {
                "thought": "t",
                "action": {"name": "read_artifact", "arguments": {"id": 1, "query": name}},
            }
        return {"thought": "t", "action": {"name": "finish", "arguments": {"answer": gold}}}

    client = ScriptedClient(agent)
    strategy = Offload(OffloadConfig(gist="head"), Services())
    settings = AgentConfig(context=ContextConfig(observation_threshold_tokens=10))
    writer = TrajectoryWriter(tmp_path / "t.jsonl")
    record = run_task(
        facts,
        task,
        client,
        agent=settings,
        observation=strategy,
        writer=writer,
        artifacts_dir=tmp_path / "artifacts",
    )
    writer.close()
    assert record.success and record.end_reason == "finish"
    system = client.calls[0][0][0]["content"]
    assert "- read_artifact(id: integer, start_line: integer" in system
    # the lookup's page went to the store; the read brought the matching lines back raw
    stored = (tmp_path / "artifacts" / "1.txt").read_text(encoding="utf-8")
    assert f"Employee: {name}" in stored
    read_back = client.calls[2][0][-1]["content"]
    assert read_back.startswith("Observation:\nArtifact 1") and name in read_back
    events = read_events(tmp_path / "t.jsonl")
    assert [e["event"] for e in events].count("artifact") == 1  # the read was not offloaded
    # the read cost a step of its own: lookup, read, finish
    assert len(record.steps) == 3


def test_read_artifact_is_offered_in_the_qa_environment_too(tmp_path):
    cfg = compose(["env=qa", "env.questions_per_task=1", "env.search.top_k=1"])
    if not Path(cfg.env.data_dir).is_dir():
        message = f"the NQ data folder {cfg.env.data_dir} is missing"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from acon.config.build import build

    env = build(cfg.env)
    task = env.tasks("train")[0]
    replies = iter(
        [
            {
                "thought": "t",
                "action": {"name": "search", "arguments": {"query": task.instruction}},
            },
            {
                "thought": "t",
                "action": {
                    "name": "read_artifact",
                    "arguments": {"id": 1, "start_line": 1, "end_line": 2},
                },
            },
            {"thought": "t", "action": {"name": "finish", "arguments": {"answer": "x"}}},
        ]
    )
    client = ScriptedClient(lambda messages, params: next(replies))
    strategy = Offload(OffloadConfig(gist="head"), Services())
    settings = AgentConfig(context=ContextConfig(observation_threshold_tokens=10))
    record = run_task(env, task, client, agent=settings, observation=strategy)
    assert record.end_reason == "finish", record.failure
    schema = json.dumps(client.calls[0][1]["response_format"])
    assert '"read_artifact"' in schema and '"search"' in schema
    assert client.calls[2][0][-1]["content"].startswith("Observation:\nArtifact 1")


def test_in_the_background_the_payload_is_offloaded_when_its_gist_is_ready(tmp_path):
    release = threading.Event()

    def gated(messages, params):
        assert release.wait(10)
        return {"reasoning": "r", "observation": REPLY}

    strategy = Offload(OffloadConfig(), Services(llms=OneRoleLLMs(ScriptedClient(gated))))
    settings = ContextConfig(observation_threshold_tokens=50, background=True)
    ctx = AgentContext(
        "system prompt",
        "the task",
        settings,
        None,
        strategy,
        TaskRecord("t"),
        artifacts_dir=tmp_path / "artifacts",
    )
    assert ctx.add(1, "action 1", PAYLOAD).observation == PAYLOAD  # raw meanwhile
    release.set()
    ctx.close()  # the task ends first: recorded and stored, not spliced
    assert ctx.turns[0].observation == PAYLOAD
    assert (tmp_path / "artifacts" / "1.txt").read_bytes() == PAYLOAD.encode("utf-8")
    (call,) = ctx.record.compressions
    assert call.ok and call.kind == "observation"
