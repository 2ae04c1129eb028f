"""The real AppWorld engine (in .venv-appworld) behind the harness's server and client:
the generated pack's tasks pass when scripted code really does the work, and fail when
it is not done (or done wrong)."""

from __future__ import annotations

import textwrap

import pytest

from acon.environment import Action
from acon.errors import AconError
from environments.appworld.data import GENERATED_SPLITS
from tests.environments.appworld.conftest import appworld_env
from tests.support.processes import kill_harness, pid_alive, wait_gone

pytestmark = pytest.mark.integration

LOGIN = """
pw = {a['account_name']: a['password'] for a in apis.supervisor.show_account_passwords()}
me = apis.supervisor.show_profile()
note_token = apis.simple_note.login(username=me['email'], password=pw['simple_note'])
note_token = note_token['access_token']
venmo_token = apis.venmo.login(username=me['email'], password=pw['venmo'])['access_token']
"""
PAY_FROM_NOTE = """
import re
note_id = apis.simple_note.search_notes(query={title!r}, access_token=note_token)[0]['note_id']
content = apis.simple_note.show_note(note_id=note_id, access_token=note_token)['content']
amount = float(re.search(r'\\$([0-9.]+)', content).group(1))
print(apis.venmo.create_transaction(receiver_email=receiver, amount=amount,
      description={description!r}, access_token=venmo_token))
"""
# Scripted solutions: each finds what it needs through the APIs, as an agent would.
SOLUTIONS = {
    "gnote_1": [
        LOGIN,
        "apis.simple_note.create_note(title='Packing list', "
        "content='passport, charger, socks', access_token=note_token)",
    ],
    "gnote_2": [
        LOGIN,
        "apis.simple_note.create_note(title='Call list', "
        "content='dentist, landlord, grandma', access_token=note_token)",
    ],
    "gcount_1": [
        LOGIN,
        "notes = [n for p in range(3) for n in apis.simple_note.search_notes("
        "page_index=p, access_token=note_token)]\n"
        "print(sum('recipe' in n['tags'] for n in notes))",
    ],
    "gpay_1": [
        LOGIN,
        "receiver = [u for u in apis.venmo.search_users(query='Alex Moreno', "
        "access_token=venmo_token)][0]['email']",
        PAY_FROM_NOTE.format(title="IOU", description="IOU"),
    ],
    "groom_1": [
        LOGIN,
        "phone_token = apis.phone.login(username=me['phone_number'], "
        "password=pw['phone'])['access_token']\n"
        "receiver = apis.phone.search_contacts(relationship='roommate', "
        "access_token=phone_token)[0]['email']",
        PAY_FROM_NOTE.format(title="Utilities", description="utilities"),
    ],
}
ANSWERS = {"gcount_1": "3"}


def every_task(env):
    return [t for split in GENERATED_SPLITS for t in env.tasks(split)]


@pytest.fixture(scope="module")
def env(appworld_python, pack_root, tmp_path_factory):
    env = appworld_env(
        python=str(appworld_python),
        pack_dir=str(pack_root),
        log_dir=str(tmp_path_factory.mktemp("appworld-logs")),
    )
    yield env
    env.close()


def test_the_pack_has_tasks_over_several_apps_and_all_three_difficulties(env):
    tasks = every_task(env)
    assert [t.id for t in tasks] == list(SOLUTIONS)
    assert {t.difficulty for t in tasks} == {"1", "2", "3"}
    assert len({t.scenario for t in tasks}) == 4


def test_the_packs_splits_are_disjoint_by_scenario(env):
    """An optimization on train never sees a test task, nor a test task's scenario."""
    scenarios = {split: {t.scenario for t in env.tasks(split)} for split in GENERATED_SPLITS}
    assert all(scenarios.values())
    assert not scenarios["train"] & scenarios["test"] and not scenarios["dev"] & scenarios["test"]
    assert not scenarios["train"] & scenarios["dev"]
    with pytest.raises(AconError, match="no split 'test_normal': set rollout.split to one of"):
        env.tasks("test_normal")


@pytest.mark.parametrize("task_id", list(SOLUTIONS))
def test_scripted_code_that_does_the_work_passes_every_test(env, task_id):
    task = {t.id: t for t in every_task(env)}[task_id]
    assert task.instruction in env.reset(task)
    server = env.pool().servers[0]
    assert server.base_url.startswith("http://127.0.0.1:") and server.healthy()
    for code in SOLUTIONS[task_id]:
        out = env.step(Action("execute", {"code": code}))
        assert "Execution failed" not in out.observation, out.observation
        assert not out.done
    if task_id in ANSWERS:
        assert out.observation.strip() == ANSWERS[task_id]
    end = env.step(
        Action("complete_task", {"answer": ANSWERS.get(task_id)} if task_id in ANSWERS else {})
    )
    assert end.done
    result = env.evaluate()
    assert result.success and result.score == 1.0, result.details["failed"]


@pytest.mark.parametrize("task_id", list(SOLUTIONS))
def test_an_untouched_task_fails(env, task_id):
    task = {t.id: t for t in every_task(env)}[task_id]
    env.reset(task)
    assert env.step(Action("complete_task", {})).done  # declared done, nothing done
    result = env.evaluate()
    assert not result.success and result.score < 1.0
    assert result.details["failed"]


def test_half_done_or_wrong_work_fails(env):
    tasks = {t.id: t for t in every_task(env)}
    env.reset(tasks["gcount_1"])
    env.step(Action("complete_task", {"answer": "5"}))  # the wrong count
    assert not env.evaluate().success
    env.reset(tasks["gpay_1"])
    for code in SOLUTIONS["gpay_1"]:
        env.step(Action("execute", {"code": code}))
    paid_not_completed = env.evaluate()  # the payment is made, complete_task never called
    assert not paid_not_completed.success and paid_not_completed.score == 0.0
    assert paid_not_completed.measures["Tests passed"] == pytest.approx(2 / 3)
    env.reset(tasks["gnote_1"])
    env.step(
        Action(
            "execute",
            {
                "code": LOGIN + "\napis.simple_note.create_note(title="
                "'Packing list', content='passport', access_token=note_token)"
            },
        )
    )
    env.step(Action("complete_task", {}))
    assert not env.evaluate().success  # the content is not what was asked


def test_closing_the_env_stops_the_server_and_leaves_no_process(
    appworld_python, pack_root, tmp_path
):
    env = appworld_env(python=str(appworld_python), pack_dir=str(pack_root), log_dir=str(tmp_path))
    env.reset(env.tasks("test")[0])
    server = env.pool().servers[0]
    pid = server.pid
    assert pid_alive(pid) and server.healthy()
    env.close()
    assert not pid_alive(pid)
    # it ended on SIGTERM, not killed after the grace period (a world freezes time, which
    # hangs uvicorn's own graceful shutdown: engine/http_app.py exits at once instead)
    assert server.exit_code == 0
    assert (tmp_path / "appworld-server-0.log").exists()


def test_a_killed_harness_leaves_no_engine_behind(appworld_python, pack_root, tmp_path):
    # The harness dies outright (SIGKILL: no atexit, no finally) while a world is loaded.
    script = textwrap.dedent(f"""
        import time
        from environments.appworld.config import AppWorldConfig
        from environments.appworld.env import AppWorldEnv
        env = AppWorldEnv(AppWorldConfig(python={str(appworld_python)!r},
                                         pack_dir={str(pack_root)!r}, log_dir={str(tmp_path)!r}))
        env.reset(env.tasks("test")[0])
        print(env.pool().servers[0].pid, flush=True)
        time.sleep(600)
    """)
    assert wait_gone(kill_harness(script))
