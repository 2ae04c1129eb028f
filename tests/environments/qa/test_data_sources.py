"""Where QA's questions and passages come from: the offline pack (the default, labelled as
such) or the paper's data (NQ train/test files and the 2018 Wikipedia, wiki-18), chosen by
explicit settings; the paper's data without its files stops before anything runs.

The file formats are the public ones: NQ-open's lines `{question, answer: [...]}` (the real
NQ-open.dev.jsonl lines stand in for a user's NQ file), FlashRAG's `{id, question,
golden_answers}` (what Search-R1's and MEM1's data scripts read through
`datasets.load_dataset('RUC-NLPIR/FlashRAG_datasets', 'nq')`, with `golden_answers` as the
target), and wiki-18's `{id, contents: "Title\\ntext"}` (MEM1's example corpus, shipped in
the data folder, is a real file in that format)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from acon.composition import compose
from acon.config import typed
from acon.environment import Action
from acon.errors import AconError
from environments.qa.config import QAConfig, SearchConfig
from environments.qa.data import QUESTIONS_FILE
from environments.qa.env import QAEnv

MEM1_CORPUS = "mem1_example/corpus.jsonl"


@pytest.fixture(scope="module")
def nq_dir() -> Path:
    root = Path(compose(["env=qa"]).env.data_dir)
    if not (root / QUESTIONS_FILE).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the NQ data folder {root} is missing")
        pytest.skip(f"the NQ data folder {root} is missing")
    return root


def real_lines(nq_dir: Path, first: int, count: int) -> list[dict]:
    with open(nq_dir / QUESTIONS_FILE, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return rows[first : first + count]


@pytest.fixture
def paper_files(nq_dir, tmp_path) -> dict[str, str]:
    """A user's paper data in the public formats: NQ-open lines as the train file, the same
    questions in FlashRAG's format as the test file, and a wiki-18 corpus."""
    train = tmp_path / "NQ-open.train.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in real_lines(nq_dir, 0, 24)))
    test = tmp_path / "nq_test.jsonl"
    flashrag = [
        {"id": f"test_{i}", "question": r["question"], "golden_answers": r["answer"]}
        for i, r in enumerate(real_lines(nq_dir, 100, 16))
    ]
    test.write_text("".join(json.dumps(r) + "\n" for r in flashrag))
    return {"train": str(train), "test": str(test), "corpus": str(nq_dir / MEM1_CORPUS)}


def paper_overrides(files: dict[str, str]) -> list[str]:
    return [
        "env=qa",
        "env.questions=paper",
        f"env.train_file={files['train']}",
        f"env.test_file={files['test']}",
        "env.search.corpus_kind=wiki18",
        f"env.search.corpus=[{files['corpus']}]",
    ]


def refused(overrides: list[str]) -> str:
    with pytest.raises(AconError) as err:
        compose(overrides)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_the_default_is_the_offline_pack_and_each_task_says_so(nq_dir):
    cfg = compose(["env=qa"])
    assert cfg.env.questions == "offline_dev"
    assert cfg.env.search.corpus_kind == "gold_passages"
    task = QAEnv(typed(cfg.env)).tasks("train")[0]
    assert task.metadata["question_source"] == "offline_dev"
    assert task.metadata["question_file"] == QUESTIONS_FILE
    assert task.metadata["corpus_kind"] == "gold_passages"


def test_the_papers_questions_without_their_files_stop_with_one_sentence():
    message = refused(["env=qa", "env.questions=paper"])
    assert message.startswith("env.train_file=None is not valid: env.questions=paper")
    assert "NQ-open.train.jsonl" in message and "nq/train.jsonl" in message


def test_a_missing_test_file_is_named_with_its_path(paper_files, tmp_path):
    gone = tmp_path / "nowhere" / "test.jsonl"
    overrides = [o for o in paper_overrides(paper_files) if not o.startswith("env.test_file")]
    message = refused([*overrides, f"env.test_file={gone}"])
    assert message.startswith("env.test_file=") and f"{gone} does not exist" in message
    assert "NQ-open.test.jsonl" in message


def test_the_papers_questions_over_the_offline_gold_passages_are_refused(paper_files):
    files = [
        "env=qa",
        "env.questions=paper",
        f"env.train_file={paper_files['train']}",
        f"env.test_file={paper_files['test']}",
    ]
    message = refused(files)
    assert "env.search.corpus_kind='gold_passages' is not valid" in message
    assert "env.search.corpus_kind=wiki18" in message and "wiki-18.jsonl" in message


def test_the_wiki18_corpus_needs_its_files(tmp_path):
    message = refused(["env=qa", "env.search.corpus_kind=wiki18"])
    assert "env.search.corpus_kind='wiki18' is not valid" in message
    assert "env.search.corpus=[<file>, ...]" in message and "wiki-18.jsonl" in message
    gone = tmp_path / "wiki-18.jsonl"
    message = refused(["env=qa", "env.search.corpus_kind=wiki18", f"env.search.corpus=[{gone}]"])
    assert f"{gone} does not exist" in message


def test_files_are_never_labelled_as_the_offline_pack(nq_dir):
    message = refused(["env=qa", f"env.search.corpus=[{nq_dir / MEM1_CORPUS}]"])
    assert "env.search.corpus_kind=wiki18" in message and "or custom" in message
    with pytest.raises(AconError, match="corpus_kind='nq'.*use one of gold_passages, wiki18"):
        compose(["env=qa", "env.search.corpus_kind=nq"])
    with pytest.raises(AconError, match="questions='train'.*use one of offline_dev, paper"):
        compose(["env=qa", "env.questions=train"])


def test_the_command_stops_before_a_run_folder_exists(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.rollout",
        f"hydra.run.dir={tmp_path / 'run'}",
        "tracking=off",
        "env=qa",
        "env.questions=paper",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: env.train_file=None is not valid")
    assert not (tmp_path / "run").exists()


def test_the_papers_data_makes_each_split_from_its_own_file(nq_dir, paper_files, tmp_path):
    cfg = compose([*paper_overrides(paper_files), "env.n_train=3", "env.n_test=2"])
    config = typed(cfg.env)
    config.search.cache_dir = str(tmp_path / "indexes")
    env = QAEnv(config)
    train, test = env.tasks("train"), env.tasks("test")
    assert [t.id for t in train] == ["train-000", "train-001", "train-002"]
    assert [t.id for t in test] == ["test-000", "test-001"]
    dev = real_lines(nq_dir, 0, 116)
    assert train[1].metadata["questions"] == [r["question"] for r in dev[8:16]]
    assert train[1].metadata["question_indices"] == list(range(8, 16))
    # the test split starts at its own file's start, with FlashRAG's golden_answers as gold
    assert test[0].metadata["questions"] == [r["question"] for r in dev[100:108]]
    assert test[0].metadata["gold"] == [r["answer"] for r in dev[100:108]]
    assert test[0].metadata["question_indices"] == list(range(8))
    for task, name in ((train[0], "NQ-open.train.jsonl"), (test[0], "nq_test.jsonl")):
        assert task.metadata["question_source"] == "paper"
        assert task.metadata["question_file"] == name
        assert task.metadata["corpus_kind"] == "wiki18"
    # the search reads the wiki-18 file, not the offline pack
    env.reset(test[0])
    observation = env.step(Action("search", {"query": "Evan Morris lobbyist Genentech"}))
    assert observation.observation.startswith("Doc 1(Title: Evan Morris)")
    assert env.searcher.size == 10
    env.step(Action("finish", {"answer": "; ".join(g[0] for g in test[0].metadata["gold"])}))
    evaluation = env.evaluate()
    assert evaluation.score == 1.0 and evaluation.success
    assert evaluation.details["question_source"] == "paper"
    assert evaluation.details["corpus_kind"] == "wiki18"


def test_a_paper_file_too_short_or_without_answers_names_the_fix(paper_files, tmp_path):
    search = SearchConfig(corpus_kind="wiki18", corpus=[paper_files["corpus"]])
    config = QAConfig(
        questions="paper",
        train_file=paper_files["train"],
        test_file=paper_files["test"],
        search=search,
    )
    with pytest.raises(AconError, match=r"need 800 questions, the file has 24: lower env.n_train"):
        QAEnv(config).tasks("train")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "who wrote hamlet"}) + "\n")
    config.test_file = str(bad)
    with pytest.raises(AconError, match=r"line 1 has no answers .*env.test_file"):
        QAEnv(config).tasks("test")
