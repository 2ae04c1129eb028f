"""Task loading from the real WebVoyager files in ../shared/data, and the offline tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acon.composition import compose
from acon.errors import AconError
from acon.rollout import make_env
from environments.webvoyager.config import WebVoyagerConfig
from environments.webvoyager.env import HERE, WebVoyagerEnv, normalize
from environments.webvoyager.tasks import load_gaia, load_local, load_webvoyager, split


@pytest.fixture(scope="module")
def data_dir() -> Path:
    path = Path(compose(["env=webvoyager"]).env.data_dir)
    if not (path / "WebVoyager_data.jsonl").is_file():
        pytest.skip(f"WebVoyager data not at {path}")
    return path


def test_every_task_gets_its_reference_answer(data_dir):
    tasks = load_webvoyager(data_dir)
    assert len(tasks) == 643
    assert len({t.difficulty for t in tasks}) == 15
    by_id = {t.id: t for t in tasks}
    cookies = by_id["Allrecipes--3"]
    assert cookies.metadata["web"] == "https://www.allrecipes.com/"
    assert cookies.metadata["reference_type"] == "golden"
    assert "Vegan Chocolate Chip" in cookies.metadata["reference"]
    assert "vegan chocolate chip cookies" in cookies.instruction
    kinds = [t.metadata["reference_type"] for t in tasks]
    assert (kinds.count("golden"), kinds.count("possible")) == (143, 500)


def test_sites_filter_and_unknown_site(data_dir):
    tasks = load_webvoyager(data_dir, ["ArXiv", "GitHub"])
    assert {t.difficulty for t in tasks} == {"ArXiv", "GitHub"}
    with pytest.raises(AconError, match="Unknown site"):
        load_webvoyager(data_dir, ["Altavista"])


def test_train_test_split_is_fixed_disjoint_and_complete(data_dir):
    tasks = load_webvoyager(data_dir)
    train = split(tasks, "train", 5, seed=0)
    test = split(tasks, "test", 5, seed=0)
    assert len(train) == 75 and len(test) == 643 - 75
    assert not {t.id for t in train} & {t.id for t in test}
    assert [t.id for t in split(tasks, "train", 5, seed=0)] == [t.id for t in train]
    assert [t.id for t in split(tasks, "train", 5, seed=1)] != [t.id for t in train]
    assert split(tasks, "all", 5, seed=0) == tasks
    with pytest.raises(AconError, match="rollout.split"):
        split(tasks, "dev", 5, seed=0)


def test_gaia_tasks(data_dir):
    tasks = load_gaia(data_dir)
    assert len(tasks) == 90
    assert {t.difficulty for t in tasks} == {"level1", "level2"}
    assert tasks[0].metadata["reference"] == "17"


def test_missing_or_broken_data_names_the_fix(tmp_path):
    with pytest.raises(AconError, match="paths.data_dir"):
        load_webvoyager(tmp_path)
    (tmp_path / "WebVoyager_data.jsonl").write_text('{"web_name": "X"\n')
    with pytest.raises(AconError, match="not JSON"):
        load_webvoyager(tmp_path)


def test_config_builds_the_env_without_starting_a_browser(data_dir):
    env = make_env(compose(["env=webvoyager"]).env)
    assert isinstance(env, WebVoyagerEnv) and env.finish_tool == "answer"
    assert len(env.tasks("test")) == 568 and len(env.tasks("all")) == 643
    assert not env.browser.running
    assert {t.name for t in env.tools()} == {"click", "type", "scroll", "go_back", "goto", "answer"}
    cfg = compose(["env=webvoyager"])
    assert cfg.agent.max_steps == 15
    assert cfg.agent.context.history_threshold_tokens == 4096
    assert cfg.agent.context.observation_threshold_tokens == 1024


def test_local_tasks_point_at_shipped_pages():
    cfg = compose(["env=webvoyager_local"])
    env = make_env(cfg.env)
    assert env.task_source == "local" and env.name == "webvoyager_local"
    tasks = env.tasks("test")
    assert len(tasks) == len(load_local(HERE / "sites")) == 7
    for task in tasks:
        assert (HERE / "sites" / task.metadata["start"]).is_file()
        assert task.metadata["answers"]
    rows = [json.loads(line) for line in (HERE / "sites/tasks.jsonl").open()]
    assert len({r["id"] for r in rows}) == len(rows)


def test_bad_options_name_the_fix():
    with pytest.raises(AconError, match="env.task_source='bing'.*webvoyager, gaia, local"):
        compose(["env=webvoyager", "env.task_source=bing"])
    with pytest.raises(AconError, match="data_dir"):
        WebVoyagerEnv(WebVoyagerConfig(task_source="webvoyager", data_dir=None))
    with pytest.raises(AconError, match="env.judge has no setting 'rol'"):
        compose(["env=webvoyager_local", "env.judge.rol=judge"])


def test_answers_normalize_loosely_but_not_too_loosely():
    assert normalize(" $14.50. ") == normalize("14.50")
    assert normalize("Greta  Holm") == normalize("greta holm")
    assert normalize("11°C") == "11c" == normalize("11 °C".replace(" ", ""))
    assert normalize("14.5") != normalize("14.50")
