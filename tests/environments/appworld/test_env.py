"""The AppWorld environment over the stand-in engine: prompts, tools, ending, scoring,
task loading, parallel replicas, errors; and the goal-completion metrics."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from acon.agent import run_task
from acon.composition import compose
from acon.environment import Action, Environment
from acon.errors import AconError
from acon.llm.scripted import ScriptedClient
from environments.appworld.env import AppWorldEnv, truncate
from environments.appworld.metrics import goal_completion
from tests.environments.appworld.conftest import appworld_env
from tests.support.processes import pid_alive


def engine_log(env: AppWorldEnv) -> list:
    return httpx.get(env._server.base_url + "/log").json()


def test_official_tasks_come_from_the_split_file_with_difficulty_and_scenario(fake_env_kwargs):
    env = appworld_env(**fake_env_kwargs)
    assert isinstance(env, Environment)
    tasks = env.tasks("dev")
    assert [(t.id, t.difficulty, t.scenario) for t in tasks] == [
        ("abc123_1", "1", "abc123"),
        ("abc123_2", "2", "abc123"),
    ]
    assert tasks[0].instruction == "Instruction of abc123_1."


def test_official_tasks_without_the_data_name_appworld_download_data(fake_env_kwargs, tmp_path):
    env = appworld_env(**{**fake_env_kwargs, "appworld_root": str(tmp_path / "nowhere")})
    with pytest.raises(AconError, match=r"appworld download data.*env.task_source=generated"):
        env.tasks("dev")
    with pytest.raises(AconError, match="No AppWorld split 'train'.*have: dev"):
        appworld_env(**fake_env_kwargs).tasks("train")


def test_a_missing_appworld_venv_names_make_setup(tmp_path):
    env = appworld_env(python=str(tmp_path / "no-python"), pack_dir=str(tmp_path / "pack"))
    with pytest.raises(AconError, match="make setup"):
        env.tasks("test")
    with pytest.raises(AconError, match="env.task_source='web'.*generated, official"):
        compose(["env=appworld", "env.task_source=web"])


def test_the_prompt_is_the_appworld_way_and_tools_reach_the_engine(fake_env_kwargs):
    with appworld_env(**{**fake_env_kwargs, "max_output_chars": 300}) as env:
        task = env.tasks("dev")[0]
        prompt = env.reset(task)
        assert "Jo Re" in prompt and "Do abc123_1." in prompt
        assert "apis.api_docs.show_api_descriptions" in prompt
        assert "apis.supervisor.show_account_passwords()" in prompt and "complete_task" in prompt
        assert [t.name for t in env.tools()] == ["execute", "complete_task"]
        assert env.finish_tool == "complete_task"
        out = env.step(Action("execute", {"code": "print(1)"}))
        assert out == type(out)("ran: print(1)", done=False)
        long = env.step(Action("execute", {"code": "LONG 5000"})).observation
        assert len(long) < 400 and "characters cut" in long
        end = env.step(Action("complete_task", {"answer": "42"}))
        assert end.done
        assert [
            "/execute",
            {"task_id": "abc123_1", "code": "apis.supervisor.complete_task(answer='42')"},
        ] in engine_log(env)


def test_the_score_is_task_goal_completion_and_tests_passed_a_diagnostic(fake_env_kwargs):
    """AppWorld's headline is task goal completion (every test passes); the share of
    tests passed is kept beside it, as a named measure."""
    with appworld_env(**fake_env_kwargs) as env:
        task = env.tasks("dev")[1]
        assert task.scenario == "abc123"
        env.reset(task)
        untouched = env.evaluate()
        assert (untouched.score, untouched.success) == (0.0, False)
        assert untouched.measures == {"Tests passed": pytest.approx(1 / 3)}
        assert {f["requirement"] for f in untouched.details["failed"]} == {"solved", "completed"}
        env.step(Action("execute", {"code": "SOLVE"}))
        # complete_task called from the agent's own code ends the episode too
        assert env.step(Action("execute", {"code": "apis.supervisor.complete_task()"})).done
        solved = env.evaluate()
        assert (solved.score, solved.success) == (1.0, True)
        assert solved.measures == {"Tests passed": 1.0}
        assert solved.details["scenario"] == "abc123" and solved.details["num_tests"] == 3
        # a new episode starts from a fresh world and closes the old one
        env.reset(task)
        assert env.evaluate().success is False
        assert ["/close", {"task_id": "abc123_2"}] in engine_log(env)


def test_a_scripted_agent_solves_a_task_through_the_react_loop(fake_env_kwargs):
    replies = [
        {"thought": "look", "action": {"name": "execute", "arguments": {"code": "SOLVE"}}},
        {"thought": "done", "action": {"name": "complete_task", "arguments": {}}},
    ]
    with appworld_env(**fake_env_kwargs) as env:
        record = run_task(env, env.tasks("dev")[0], ScriptedClient(replies))
    assert (record.end_reason, record.success, record.score) == ("finish", True, 1.0)


def test_replicas_run_tasks_in_parallel_on_their_own_servers(fake_env_kwargs):
    env = appworld_env(**{**fake_env_kwargs, "servers": 2})
    twin = env.replica()
    tasks = env.tasks("dev")
    results = {}

    def work(e: AppWorldEnv, i: int) -> None:
        e.reset(tasks[i])
        e.step(Action("execute", {"code": "SOLVE"}))
        e.step(Action("complete_task", {}))
        results[i] = (e._server.port, e.evaluate().success)

    threads = [threading.Thread(target=work, args=(e, i)) for i, e in enumerate((env, twin))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0][1] and results[1][1] and results[0][0] != results[1][0]
    pids = [s.pid for s in env.pool().servers]
    twin.close()
    assert all(pid_alive(p) for p in pids)  # the replica does not own the servers
    env.close()
    assert not any(pid_alive(p) for p in pids)


def test_truncate_keeps_head_and_tail():
    text = "".join(str(i % 10) for i in range(1000))
    cut = truncate(text, 90)
    assert cut.startswith(text[:60]) and cut.endswith(text[-30:]) and "[910 characters cut]" in cut
    assert truncate("short", 90) == "short"


def test_goal_completion_counts_tasks_and_whole_scenarios_per_difficulty():
    rows = [
        {"task_id": "aaa_1", "success": True, "difficulty": "1"},
        {"task_id": "aaa_2", "success": False, "difficulty": "1"},
        {"task_id": "bbb_1", "success": True, "difficulty": "2"},
        {"task_id": "bbb_2", "success": True, "difficulty": "2"},
    ]
    table = goal_completion(rows)
    assert table.loc["all", "task_goal_completion"] == 75.0
    assert table.loc["all", "scenario_goal_completion"] == 50.0  # aaa failed one task
    # an outage is no failure: the errored task and its scenario are left out
    cut = {"task_id": "ccc_1", "success": None, "difficulty": "2", "status": "errored"}
    table = goal_completion(
        [*rows, cut, {**cut, "task_id": "ccc_2", "success": True, "status": "finished"}]
    )
    assert table.loc["all", "task_goal_completion"] == 80.0  # 4 of the 5 finished tasks
    assert table.loc["all", "scenario_goal_completion"] == 50.0  # ccc not counted
    assert (table.loc["all", "tasks"], table.loc["all", "errored"]) == (5, 1)
    assert table.loc["difficulty 1", "scenario_goal_completion"] == 0.0
    assert table.loc["difficulty 2", "task_goal_completion"] == 100.0
    assert json.loads(table.to_json())  # plain numbers, ready for a report
