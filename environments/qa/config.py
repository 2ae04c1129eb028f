"""`env=qa`: 8-objective QA's settings (environments/qa/README.md has the data and split)."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.config.schemas import InvalidSetting, check_positive, schema
from acon.environment import DATA, OPERATIONAL, EnvConfig

DEFAULT_INSTRUCTION = (
    "Answer these {n} questions:\n{numbered}\n\n"
    "Use search to look facts up in Wikipedia. When you know the answers, call finish with "
    'all {n} answers in the order of the questions, separated by "; " (for example "{example}"). '
    "Each answer is a short phrase (a name, a date or a number), not a sentence; give your "
    "best guess rather than leaving an answer out."
)


@dataclass
class SearchConfig:
    """The search tool: BM25 (bm25s) over Wikipedia passages."""

    top_k: int = 3  # passages per search, as MEM1 / Search-R1 use
    # Passage files (wiki-18 jsonl {id, contents: "Title\ntext"}, {id, title, text}, or the
    # lost-in-the-middle format); empty: the gold passages under env.data_dir.
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


@schema("env", "qa")
@dataclass
class QAConfig(EnvConfig):
    _target_: str = "environments.qa.env.QAEnv"
    data_dir: str = field(default="${paths.data_dir}/nq", metadata=DATA)
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
                "questions_per_task", self.questions_per_task,
                f"use a number from 1 to env.group_size ({self.group_size}), or null",
            )  # fmt: skip
