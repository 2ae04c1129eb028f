"""ActionPads: successful tool sequences of training tasks, offered to later tasks of the
same benchmark; never from the split being scored, never from another benchmark."""

from __future__ import annotations

import json

import pytest

from acon.agent import run_task
from acon.agent.action_pads import HEADER, ActionPads, ActionPadsConfig
from acon.compression.labels import method_of
from acon.errors import AconError
from acon.llm.scripted import ScriptedClient
from acon.metrics import task_metrics
from acon.run_folder import RunFolder
from acon.trajectory import TrajectoryWriter, read_events
from environments.facts.config import FactsConfig
from environments.facts.env import FactsEnv
from tests.rollout.test_failures import acon_rollout


def step(tool, /, **arguments):
    return {"thought": f"call {tool}", "action": {"name": tool, "arguments": arguments}}


def people_in(task):
    return [p.split(" of ", 1)[1] for p in task.instruction[5:].split(". Answer")[0].split("; ")]


@pytest.fixture
def env():
    return FactsEnv(FactsConfig(seed=1, n_tasks=6, filler_lines=1))


def solve(env, task, right: bool = True):
    answer = "; ".join(task.metadata["gold"]) if right else "wrong"
    return [*(step("lookup", name=p) for p in people_in(task)), step("finish", answer=answer)]


def source_rollout(env, folder: RunFolder, split: str = "train", env_target: str | None = None):
    """A finished rollout on `split`: every task solved but the second (answered wrong)."""
    folder.make().write_config(
        {
            "env": {"_target_": env_target or "environments.facts.env.FactsEnv"},
            "rollout": {"split": split},
        }
    )
    tasks = env.tasks("train")[:3]
    for n, task in enumerate(tasks):
        writer = TrajectoryWriter(folder.trajectory(task.id))
        record = run_task(env, task, ScriptedClient(solve(env, task, right=n != 1)), writer=writer)
        writer.close()
        folder.append_row(task_metrics(record))
    return tasks


def test_each_successful_training_task_becomes_a_pad_of_its_actions(env, tmp_path):
    tasks = source_rollout(env, RunFolder(tmp_path / "src"))
    pads = ActionPads.load(ActionPadsConfig(source=[str(tmp_path)]), "facts", "test")
    assert [p.task_id for p in pads.pads] == [tasks[0].id, tasks[2].id]
    first = pads.pads[0]
    assert first.instruction == tasks[0].instruction
    assert first.actions == [
        {"name": s["action"]["name"], "arguments": s["action"]["arguments"]}
        for s in solve(env, tasks[0])
    ]


def test_a_task_is_offered_the_best_matching_pad_and_its_record_says_which(env, tmp_path):
    tasks = source_rollout(env, RunFolder(tmp_path / "src"))
    pads = ActionPads.load(ActionPadsConfig(source=[str(tmp_path)]), "facts", "test")
    target = tasks[2]  # its own instruction matches its own pad best
    writer = TrajectoryWriter(tmp_path / "t.jsonl")
    client = ScriptedClient(solve(env, target))
    run_task(env, target, client, writer=writer, pads=pads)
    writer.close()
    prompt = client.calls[0][0][1]["content"]
    assert prompt.startswith(target.instruction + "\n\n" + HEADER)
    assert f"1. lookup({json.dumps({'name': people_in(target)[0]})})" in prompt
    start = read_events(tmp_path / "t.jsonl")[0]
    assert start["instruction"] == target.instruction and start["action_pads"] == [target.id]


def test_pads_from_the_split_being_scored_or_another_benchmark_are_refused(env, tmp_path):
    source_rollout(env, RunFolder(tmp_path / "same"), split="test")
    with pytest.raises(AconError, match="pads must come from other tasks"):
        ActionPads.load(ActionPadsConfig(source=[str(tmp_path / "same")]), "facts", "test")
    source_rollout(env, RunFolder(tmp_path / "other"), env_target="environments.qa.env.QAEnv")
    with pytest.raises(AconError, match="ran qa, not facts"):
        ActionPads.load(ActionPadsConfig(source=[str(tmp_path / "other")]), "facts", "test")
    with pytest.raises(AconError, match="holds no rollout"):
        ActionPads.load(ActionPadsConfig(source=[str(tmp_path / "none")]), "facts", "test")
    assert ActionPads.load(ActionPadsConfig(), "facts", "test") is None


def test_a_run_with_pads_is_its_own_row():
    params = {"agent.action_pads.source": "['runs/train']"}
    assert method_of(params) == "No compression + ActionPads"
    assert method_of({"agent.action_pads.source": "[]"}) == "No compression"


def test_the_command_with_a_source_that_holds_no_rollout_exits_2_with_one_sentence(tmp_path):
    dead = ["llm.common.base_url=http://127.0.0.1:9/v1", "llm.common.model=x"]
    proc = acon_rollout(tmp_path, *dead, f"agent.action_pads.source=[{tmp_path / 'nothing'}]")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = (proc.stdout + proc.stderr).strip().splitlines()[-1]
    assert "agent.action_pads.source" in last and "holds no rollout" in last
    assert not RunFolder(tmp_path / "run").rows()
