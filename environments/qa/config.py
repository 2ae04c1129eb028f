"""`env=qa`: 8-objective QA's settings (environments/qa/README.md has the data and split).

Two choices decide what a run measures, and both are explicit so a report can tell runs
apart and a run never falls back to the offline pack when it asked for the paper's data:
- `questions`: `offline_dev` (the default: NQ-open dev questions that have a gold passage
  in the offline pack) or `paper` (the user's NQ train file for the train split and NQ
  test file for the test split, as MEM1's recipe, which the paper follows, builds them);
- `search.corpus_kind`: `gold_passages` (the default: the offline pack's gold passages),
  `wiki18` (the 2018 Wikipedia passages the paper searches) or `custom` (other files).
A setting that asks for files that are not there is refused when the config is checked,
before anything runs, with one sentence naming the key and the file it expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from acon.config.schemas import InvalidSetting, check_choice, check_positive, schema
from acon.environment import DATA, OPERATIONAL, EnvConfig

DEFAULT_INSTRUCTION = (
    "Answer these {n} questions:\n{numbered}\n\n"
    "Use search to look facts up in Wikipedia. When you know the answers, call finish with "
    'all {n} answers in the order of the questions, separated by "; " (for example "{example}"). '
    "Each answer is a short phrase (a name, a date or a number), not a sentence; give your "
    "best guess rather than leaving an answer out."
)
QUESTION_SOURCES = ("offline_dev", "paper")
CORPUS_KINDS = ("gold_passages", "wiki18", "custom")
# What the paper's files are, for the messages that ask for them.
WIKI18 = (
    "the 2018 Wikipedia passages (Search-R1's / FlashRAG's wiki-18.jsonl, "
    "{id, contents: 'Title\\ntext'}) or env.search.index_dir=<a bm25s index of them>"
)


def nq_file(split: str) -> str:
    return (
        "an NQ question file in JSON lines ({question, answer: [...]} as NQ-open's "
        f"NQ-open.{split}.jsonl, or {{question, golden_answers: [...]}} as FlashRAG's "
        f"nq/{split}.jsonl)"
    )


@dataclass
class SearchConfig:
    """The search tool: BM25 (bm25s) over Wikipedia passages."""

    top_k: int = 3  # passages per search, as MEM1 / Search-R1 use
    # Which corpus this is (a run's label): gold_passages (the offline pack's, read from
    # env.data_dir; corpus and index_dir stay empty), wiki18 or custom (corpus or index_dir).
    corpus_kind: str = "gold_passages"
    # Passage files (wiki-18 jsonl {id, contents: "Title\ntext"}, {id, title, text}, or the
    # lost-in-the-middle format), for corpus_kind wiki18 or custom.
    corpus: list[str] = field(default_factory=list, metadata=DATA)
    # A prebuilt bm25s index saved with its corpus; when set, `corpus` is not read.
    index_dir: str | None = field(default=None, metadata=DATA)
    cache_dir: str | None = field(default="${paths.cache_dir}/indexes", metadata=OPERATIONAL)
    stemmer: str | None = "english"  # PyStemmer language, or null
    stopwords: str | None = "en"
    k1: float = 1.5
    b: float = 0.75
    method: str = "lucene"
    max_passage_chars: int | None = None  # cut long passages in observations; null: whole

    def __post_init__(self) -> None:
        check_positive("top_k", self.top_k)
        check_choice("corpus_kind", self.corpus_kind, CORPUS_KINDS)


@schema("env", "qa")
@dataclass
class QAConfig(EnvConfig):
    _target_: str = "environments.qa.env.QAEnv"
    data_dir: str = field(default="${paths.data_dir}/nq", metadata=DATA)
    # Where the questions come from: offline_dev (NQ-open dev under data_dir) or paper.
    questions: str = "offline_dev"
    # questions=paper: the NQ train file (the train split's questions) and the NQ test file
    # (the test split's); both must exist.
    train_file: str | None = field(default=None, metadata=DATA)
    test_file: str | None = field(default=None, metadata=DATA)
    group_size: int = 8
    # Ask only the first N questions of each group (same task ids); null: all of them.
    questions_per_task: int | None = None
    n_train: int = 100
    n_test: int = 100
    # success (the optimizer's contrastive sets): mean EM over the questions >= this.
    success_em: float = 0.5
    # {n}, {numbered} (one per line), {questions} (joined with "; "), {example}.
    instruction: str = DEFAULT_INSTRUCTION
    search: SearchConfig = field(default_factory=SearchConfig)

    def __post_init__(self) -> None:
        check_positive("group_size", self.group_size)
        if self.questions_per_task is not None and not (
            1 <= self.questions_per_task <= self.group_size
        ):
            raise InvalidSetting(
                "questions_per_task",
                self.questions_per_task,
                f"use a number from 1 to env.group_size ({self.group_size}), or null",
            )
        check_choice("questions", self.questions, QUESTION_SOURCES)
        self._check_corpus()
        if self.questions == "paper":
            self._check_paper_questions()

    def _check_corpus(self) -> None:
        search = self.search
        given = bool(search.corpus or search.index_dir)
        if search.corpus_kind == "gold_passages":
            if given:  # files labelled as the offline pack would mislabel the run
                raise InvalidSetting(
                    "search.corpus_kind",
                    search.corpus_kind,
                    "env.search.corpus or env.search.index_dir is set, so name what it holds: "
                    "env.search.corpus_kind=wiki18 (the 2018 Wikipedia passages) or custom, or "
                    "drop them to search the offline gold passages",
                )
            return
        if not given:
            what = WIKI18 if search.corpus_kind == "wiki18" else "your passage files"
            raise InvalidSetting(
                "search.corpus_kind",
                search.corpus_kind,
                f"set env.search.corpus=[<file>, ...] to {what}",
            )
        if search.index_dir:
            if not Path(search.index_dir).expanduser().is_dir():
                raise InvalidSetting(
                    "search.index_dir",
                    search.index_dir,
                    "no such folder: point it at a bm25s index saved with its corpus",
                )
            return
        for name in search.corpus:
            if not Path(name).expanduser().is_file():
                what = WIKI18 if search.corpus_kind == "wiki18" else "a passage file"
                raise InvalidSetting(
                    "search.corpus",
                    list(search.corpus),
                    f"{name} does not exist: set env.search.corpus to {what}",
                )

    def _check_paper_questions(self) -> None:
        for key, split in (("train_file", "train"), ("test_file", "test")):
            value = getattr(self, key)
            if not value or not Path(value).expanduser().is_file():
                problem = "is not set" if not value else f"{value} does not exist"
                raise InvalidSetting(
                    key,
                    value,
                    f"env.questions=paper reads the {split} split's questions from env.{key} "
                    f"and it {problem}: set it to {nq_file(split)}",
                )
        if self.search.corpus_kind == "gold_passages":
            # the offline pack holds passages for NQ-open dev questions only
            raise InvalidSetting(
                "search.corpus_kind",
                self.search.corpus_kind,
                f"env.questions=paper needs the paper's corpus: set env.search.corpus_kind=wiki18 "
                f"and env.search.corpus=[<file>] to {WIKI18}",
            )
