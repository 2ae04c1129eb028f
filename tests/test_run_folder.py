"""The run folder: the one reader and writer of a run's layout."""

from __future__ import annotations

import json
import pickle

from acon.run_folder import RunFolder


def test_the_latest_attempt_of_a_task_wins_and_nothing_is_lost(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.append_row({"task_id": "a", "status": "finished", "score": 1.0})
    folder.append_row({"task_id": "b", "status": "errored", "score": None, "error": "503"})
    assert list(folder.finished()) == ["a"] and list(folder.errored()) == ["b"]
    folder.append_row({"task_id": "b", "status": "finished", "score": 0.5})
    assert [r["task_id"] for r in folder.rows()] == ["a", "b"]
    assert folder.finished()["b"]["score"] == 0.5 and folder.errored() == {}
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 3  # every attempt stays on disk


def test_rows_written_before_statuses_existed_count_as_finished(tmp_path):
    (tmp_path / "results.jsonl").write_text(json.dumps({"task_id": "a", "score": 1.0}) + "\n")
    assert RunFolder(tmp_path).finished()["a"]["status"] == "finished"


def test_config_comes_from_hydra_or_from_config_json(tmp_path):
    folder = RunFolder(tmp_path)
    assert folder.config() == {}
    folder.write_config({"env": {"_target_": "x"}})
    assert folder.config() == {"env": {"_target_": "x"}}
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "config.yaml").write_text("env:\n  _target_: y\n")
    assert folder.config() == {"env": {"_target_": "y"}}  # Hydra's own record wins


def test_runs_are_found_under_roots_and_the_folder_pickles(tmp_path):
    for name in ("a", "b/c"):
        RunFolder(tmp_path / name).append_row({"task_id": "t", "status": "finished"})
    assert [f.path for f in RunFolder.find([tmp_path])] == [tmp_path / "a", tmp_path / "b/c"]
    folder = RunFolder(tmp_path / "a")
    assert pickle.loads(pickle.dumps(folder)).path == folder.path


def test_the_optimizer_state_is_replaced_whole(tmp_path):
    folder = RunFolder(tmp_path)
    assert folder.optimizer_state() is None
    folder.write_optimizer_state({"steps": [1]})
    folder.write_optimizer_state({"steps": [1, 2]})
    assert folder.optimizer_state() == {"steps": [1, 2]}
    assert not list(tmp_path.glob("*.tmp"))


def test_a_torn_line_is_named_skipped_and_does_not_swallow_the_next_row(tmp_path, caplog):
    folder = RunFolder(tmp_path)
    folder.append_row({"task_id": "a", "status": "finished", "score": 1.0})
    with (tmp_path / "results.jsonl").open("a") as f:
        f.write('{"task_id": "b", "status": "fini')  # a write cut short by a crash
    assert list(folder.finished()) == ["a"]
    assert [n for n, _ in folder.unreadable()] == [2]
    assert f"line 2 of {tmp_path / 'results.jsonl'}" in caplog.text
    folder.append_row({"task_id": "b", "status": "finished", "score": 0.5})
    assert sorted(folder.finished()) == ["a", "b"]  # the new row is a line of its own
    folder.rows()
    assert caplog.text.count("Skipped line 2") == 1  # warned once, not at every read
