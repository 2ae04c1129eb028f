"""8-objective QA (NaturalQuestions), as in MEM1 and the Acon paper.

Each task asks 8 consecutive NQ questions at once (the offline pack's NQ-open dev questions,
or with `env.questions=paper` the user's NQ train / test files); the agent searches a
Wikipedia passage corpus (`env.search.corpus_kind`: the offline gold passages, wiki-18, or
other files) with BM25 (`search(query)`, top-k passages) and ends with
`finish(answer)`, the 8 answers in question order separated by "; ". The score is the
mean F1 over the 8 questions (EM and F1 per question in the details); see README.md for
the data, the split and the matching rules.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from acon.environment import Action, Environment, Evaluation, StepResult, Task, Tool
from acon.errors import AconError
from acon.services import Services
from environments.qa.config import QAConfig
from environments.qa.data import (
    ORACLE_FILE,
    QUESTIONS_FILE,
    SPLITS,
    Question,
    groups_for_split,
    leading_groups,
    load_question_file,
    load_questions,
)
from environments.qa.scoring import score_answers
from environments.qa.search import BM25Search

MEM1_EXAMPLE = "mem1_example/corpus.jsonl"


class QAEnv(Environment):
    name = "qa"
    finish_tool = "finish"

    def __init__(self, config: QAConfig, services: Services | None = None):
        super().__init__(config, services)
        self.data_dir = Path(config.data_dir)
        self.group_size = config.group_size
        self.questions_per_task = config.questions_per_task or config.group_size
        self.n_train, self.n_test = config.n_train, config.n_test
        self.success_em = config.success_em
        self.instruction = config.instruction
        self.questions = config.questions
        self.question_files = {"train": config.train_file, "test": config.test_file}
        self.search_cfg = config.search
        if config.search.corpus_kind == "gold_passages":  # the offline pack's passages
            corpus = [str(self.data_dir / ORACLE_FILE), str(self.data_dir / MEM1_EXAMPLE)]
            self.search_cfg = dataclasses.replace(config.search, corpus=corpus)
        self._pools: dict[str, list[Question]] = {}
        self._search: BM25Search | None = None
        self._task: Task | None = None
        self._answer: str | None = None
        self._searches = 0
        self._queries: set[str] = set()

    # Tasks -----------------------------------------------------------------------------

    def tasks(self, split: str = "test") -> list[Task]:
        groups, first_group = self._groups(split)
        return [
            self._task_for(split, i, first_group + i, group[: self.questions_per_task])
            for i, group in enumerate(groups)
        ]

    def _groups(self, split: str) -> tuple[list[list[Question]], int]:
        """The split's groups and the number of the first one in its pool."""
        if self.questions == "offline_dev":  # one pool: train first, then test
            if "dev" not in self._pools:
                self._pools["dev"] = load_questions(self.data_dir)
            pool = self._pools["dev"]
            groups = groups_for_split(pool, split, self.group_size, self.n_train, self.n_test)
            return groups, 0 if split == "train" else self.n_train
        if split not in SPLITS:
            raise AconError(f"Unknown QA split {split!r}: use one of {', '.join(SPLITS)}.")
        if split not in self._pools:  # the paper's: each split its own file, from its start
            self._pools[split] = load_question_file(
                str(self.question_files[split]), f"env.{split}_file"
            )
        count = self.n_train if split == "train" else self.n_test
        return leading_groups(self._pools[split], count, self.group_size, f"env.n_{split}"), 0

    def _source_file(self, split: str) -> str:
        if self.questions == "offline_dev":
            return QUESTIONS_FILE
        return Path(str(self.question_files[split])).name

    def _task_for(self, split: str, i: int, group: int, questions: list) -> Task:
        n = len(questions)
        texts = [q.question for q in questions]
        example = "; ".join(f"answer {k}" for k in range(1, n + 1))
        instruction = self.instruction.format(
            n=n,
            questions="; ".join(texts),
            numbered="\n".join(f"{k}. {t}" for k, t in enumerate(texts, 1)),
            example=example,
        )
        return Task(
            id=f"{split}-{i:03d}",
            instruction=instruction,
            difficulty=str(n),
            metadata={
                "group": group,
                "question": "; ".join(texts),  # the MEM1 / paper form of the task
                "questions": texts,
                "question_indices": [q.index for q in questions],  # records of question_file
                "gold": [list(q.answers) for q in questions],
                # which data made the task, so runs on the offline pack and on the paper's
                # data are never mixed up
                "question_source": self.questions,
                "question_file": self._source_file(split),
                "corpus_kind": self.search_cfg.corpus_kind,
            },
        )

    # Episode ---------------------------------------------------------------------------

    @property
    def searcher(self) -> BM25Search:
        if self._search is None:  # built (or loaded from the cache) on first use
            self._search = BM25Search(self.search_cfg)
        return self._search

    def reset(self, task: Task) -> str:
        self.searcher  # noqa: B018  (build the index before the first step, not during it)
        self._task, self._answer, self._searches = task, None, 0
        self._queries = set()
        return task.instruction

    def tools(self) -> list[Tool]:
        k = self.search_cfg.top_k
        return [
            Tool(
                "search",
                f"Search Wikipedia: returns the {k} passages (title and text) that best match "
                "the query. Search for one question at a time.",
                {
                    "type": "object",
                    "properties": {"query": {"type": "string"}},
                    "required": ["query"],
                },
            ),
            Tool(
                "finish",
                "Give the final answer and end the task: all answers in question order, "
                'separated by "; ".',
                {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"],
                },
            ),
        ]

    def step(self, action: Action) -> StepResult:
        if action.name == "finish":
            self._answer = str(action.arguments.get("answer", ""))
            return StepResult("Answer recorded.", done=True)
        if action.name == "search":
            query = str(action.arguments.get("query", "")).strip()
            if not query:
                return StepResult("The query is empty: give search some keywords.")
            self._searches += 1
            observation = self.searcher.render(query)
            key = " ".join(query.lower().split())
            if key in self._queries:  # small models loop on one query; tell them
                observation = (
                    "You made this search before; the result is the same. Search for the next "
                    f"question or use other words.\n{observation}"
                )
            self._queries.add(key)
            return StepResult(observation)
        return StepResult(f"Unknown tool {action.name!r}: use search or finish.")

    def evaluate(self) -> Evaluation:
        if self._task is None:
            raise AconError("QAEnv.evaluate was called before reset: reset a task first.")
        result = score_answers(self._answer, self._task.metadata["gold"])
        return Evaluation(
            score=result["mean_f1"],
            success=result["mean_em"] >= self.success_em,
            measures={"EM": result["mean_em"], "F1": result["mean_f1"]},  # Table 2b
            details={
                "raw_answer": self._answer,
                **result,
                "gold": self._task.metadata["gold"],
                "searches": self._searches,
                "question_source": self._task.metadata.get("question_source"),
                "corpus_kind": self._task.metadata.get("corpus_kind"),
            },
        )

    def close(self) -> None:
        self._task = None
