"""NQ questions and Wikipedia passages, and the fixed task split.

Offline (`env.questions=offline_dev`), the question pool is the NQ-open dev questions
(`nq_open/NQ-open.dev.jsonl`, with their answer aliases) that have a gold Wikipedia passage
in `lost_in_the_middle/nq-open-oracle.jsonl.gz` (2,655 of 3,610), in the dev file's order,
so the offline corpus
(all the gold passages) can answer every question. Consecutive groups of `group_size`
questions make the tasks: train = groups 0 .. n_train-1, test = the next n_test groups.

With the paper's questions (`env.questions=paper`), each split has its own file (NQ train
for train, NQ test for test) and its own groups from the start of that file.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acon.errors import AconError

QUESTIONS_FILE = "nq_open/NQ-open.dev.jsonl"
ORACLE_FILE = "lost_in_the_middle/nq-open-oracle.jsonl.gz"
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Question:
    index: int  # 0-based record of its file (offline: the line in NQ-open.dev.jsonl)
    question: str
    answers: tuple[str, ...]  # the gold aliases


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str


def check_data_dir(data_dir: str | Path) -> Path:
    root = Path(data_dir)
    if not root.is_dir():
        raise AconError(
            f"The NQ data folder {root} does not exist: set env.data_dir (or ACON_DATA_DIR) "
            f"to the folder holding {QUESTIONS_FILE} and {ORACLE_FILE}."
        )
    for name in (QUESTIONS_FILE, ORACLE_FILE):
        if not (root / name).is_file():
            raise AconError(
                f"{root / name} is missing: put NQ-open dev and the lost-in-the-middle "
                f"oracle file in {root} (see its MANIFEST.md) or fix env.data_dir."
            )
    return root


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line; .gz files are read compressed."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise AconError(
                        f"{path} line {lineno} is not JSON ({exc.msg}): restore the file "
                        "from its source."
                    ) from None
                if not isinstance(obj, dict):
                    raise AconError(f"{path} line {lineno} is not a JSON object: restore it.")
                yield lineno, obj
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise AconError(f"Cannot read {path} ({exc}): restore the file from its source.") from None


def _field(obj: dict[str, Any], key: str, kind: type, path: Path, lineno: int) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or not value:
        raise AconError(
            f"{path} line {lineno} has no valid {key!r} field: restore the file from its source."
        )
    return value


def load_questions(data_dir: str | Path) -> list[Question]:
    """The question pool: NQ-open dev questions that have a gold passage, in dev order."""
    root = check_data_dir(data_dir)
    gold = {
        _field(obj, "question", str, root / ORACLE_FILE, lineno)
        for lineno, obj in read_jsonl(root / ORACLE_FILE)
    }
    pool = []
    path = root / QUESTIONS_FILE
    for index, (lineno, obj) in enumerate(read_jsonl(path)):
        question = _field(obj, "question", str, path, lineno)
        answers = _field(obj, "answer", list, path, lineno)
        if question in gold:
            pool.append(Question(index, question, tuple(str(a) for a in answers)))
    if not pool:
        raise AconError(
            f"No question of {path} has a gold passage in {root / ORACLE_FILE}: the two files "
            "do not belong together; restore them from their sources."
        )
    return pool


# The answer lists of the question files the paper's recipe reads: NQ-open's `answer`,
# FlashRAG's (Search-R1's, MEM1's) `golden_answers`, and the plain `answers`.
ANSWER_KEYS = ("answer", "golden_answers", "answers")


def load_question_file(path: str | Path, setting: str) -> list[Question]:
    """Every question of one NQ file, in file order (`setting` names its config key)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise AconError(f"{path} does not exist: fix {setting}.")
    questions = []
    for index, (lineno, obj) in enumerate(read_jsonl(path)):
        question = _field(obj, "question", str, path, lineno).strip()
        key = next((k for k in ANSWER_KEYS if k in obj), None)
        answers = obj.get(key) if key else None
        if isinstance(answers, str):
            answers = [answers]
        if not isinstance(answers, list) or not answers:
            raise AconError(
                f"{path} line {lineno} has no answers ({' or '.join(ANSWER_KEYS)}): give "
                f"{setting} an NQ file with the answer aliases of every question."
            )
        questions.append(Question(index, question, tuple(str(a) for a in answers)))
    if not questions:
        raise AconError(f"{path} holds no question: fix {setting}.")
    return questions


def groups_for_split(
    pool: list[Question], split: str, group_size: int, n_train: int, n_test: int
) -> list[list[Question]]:
    """The split's groups of consecutive questions of one pool (train first, then test)."""
    if split not in SPLITS:
        raise AconError(f"Unknown QA split {split!r}: use one of {', '.join(SPLITS)}.")
    if group_size < 1 or n_train < 0 or n_test < 0:
        raise AconError("env.group_size must be >= 1 and env.n_train, env.n_test >= 0.")
    available = len(pool) // group_size
    if n_train + n_test > available:
        raise AconError(
            f"{n_train} + {n_test} tasks of {group_size} questions need "
            f"{(n_train + n_test) * group_size} questions, the pool has {len(pool)}: "
            "lower env.n_train / env.n_test or env.group_size."
        )
    first = 0 if split == "train" else n_train
    count = n_train if split == "train" else n_test
    return [pool[g * group_size : (g + 1) * group_size] for g in range(first, first + count)]


def leading_groups(
    pool: list[Question], count: int, group_size: int, setting: str
) -> list[list[Question]]:
    """The first `count` groups of consecutive questions of one split's own file
    (`setting`: the key that sets `count`)."""
    if count * group_size > len(pool):
        raise AconError(
            f"{count} tasks of {group_size} questions need {count * group_size} questions, "
            f"the file has {len(pool)}: lower {setting} or env.group_size."
        )
    return [pool[g * group_size : (g + 1) * group_size] for g in range(count)]


def passages_from_file(path: Path) -> Iterator[Passage]:
    """Passages in one corpus file, whichever of the supported formats it is in.

    - wiki-18 (Search-R1 / MEM1 / FlashRAG): {"id", "contents": "Title\\ntext"};
    - {"id", "title", "text"};
    - the lost-in-the-middle QA format: {"question", "ctxs": [{"title", "text"}, ...]}.
    """
    if not path.is_file():
        raise AconError(f"Corpus file {path} does not exist: fix env.search.corpus.")
    for lineno, obj in read_jsonl(path):
        if "ctxs" in obj:
            ctxs = obj["ctxs"] if isinstance(obj["ctxs"], list) else []
            for k, ctx in enumerate(ctxs):
                if isinstance(ctx, dict) and ctx.get("text"):
                    pid = str(ctx.get("id") or f"{path.name}:{lineno}:{k}")
                    yield Passage(pid, str(ctx.get("title", "")), str(ctx["text"]))
        elif "contents" in obj:
            title, _, text = str(obj["contents"]).partition("\n")
            yield Passage(str(obj.get("id", f"{path.name}:{lineno}")), title.strip('"'), text)
        elif "text" in obj:
            pid = str(obj.get("id", f"{path.name}:{lineno}"))
            yield Passage(pid, str(obj.get("title", "")), str(obj["text"]))
        else:
            raise AconError(
                f"{path} line {lineno} is not a passage (no 'contents', 'text' or 'ctxs'): "
                "use the wiki-18 format {id, contents: 'Title\\ntext'}."
            )


def load_corpus(paths: list[Path]) -> list[Passage]:
    """All passages of the corpus files, each (title, text) once."""
    seen: set[tuple[str, str]] = set()
    corpus = []
    for path in paths:
        for passage in passages_from_file(path):
            key = (passage.title, passage.text)
            if key not in seen:
                seen.add(key)
                corpus.append(passage)
    if not corpus:
        raise AconError(f"The corpus files {', '.join(map(str, paths))} hold no passage.")
    return corpus
