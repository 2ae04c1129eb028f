"""The leakage check on planted cases, against the real QA training tasks (their own
questions, gold answers and BM25 search results from ../shared/data/nq)."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.environment import Action
from acon.optimize.leakage import LeakageCheck, LeakageConfig
from acon.rollout import make_env


@pytest.fixture(scope="module")
def qa():
    """The first 3 QA training tasks (2 questions each) and, per task, the text of an
    uncompressed run: its instruction and the search result for each question."""
    env = make_env(compose(["env=qa", "env.questions_per_task=2"]).env)
    tasks = env.tasks("train")[:3]
    texts = {}
    for task in tasks:
        env.reset(task)
        results = [
            env.step(Action("search", {"query": q})).observation for q in task.metadata["questions"]
        ]
        texts[task.id] = "\n".join([task.instruction, *results])
    env.close()
    return tasks, texts


def check(qa, **settings):
    tasks, texts = qa
    return LeakageCheck(tasks, texts, LeakageConfig(**settings))


def kinds(leaks):
    return sorted((leak.kind, leak.task_id) for leak in leaks)


def test_a_guideline_about_the_method_is_clean(qa):
    text = (
        "Keep every answer the agent has found, one line per question in the form "
        "'k = answer', and the questions still open. Drop search results once their "
        "answer is noted. Use search to look facts up in Wikipedia."
    )
    assert check(qa).leaks(text) == []  # the last sentence is every task's template


def test_task_ids_and_gold_answers_are_found(qa):
    tasks, _ = qa
    gold = next(a for a in tasks[1].metadata["gold"][1] if len(a) >= 4)  # a real answer
    leaks = check(qa).leaks(f"As in {tasks[0].id}, keep names like {gold}.")
    assert ("task_id", tasks[0].id) in kinds(leaks) and ("answer", tasks[1].id) in kinds(leaks)


def test_a_copied_question_or_search_result_is_a_span_of_its_task(qa):
    tasks, texts = qa
    question = tasks[2].metadata["questions"][0]
    passage = texts[tasks[0].id].split("\n")[-1]  # task 0's last search result
    copied = " ".join(passage.split()[5:17])
    leaks = check(qa).leaks(f"Remember: {question}. Also: {copied}.")
    spans = [leak for leak in leaks if leak.kind == "span"]
    assert {leak.task_id for leak in spans} == {tasks[2].id, tasks[0].id}


def test_short_answers_and_what_the_parent_had_are_not_the_candidates_leaks(qa):
    tasks, _ = qa
    parent = f"Keep what {tasks[0].id} needed."
    assert check(qa).leaks(f"{parent} Be brief.", parent=parent) == []
    assert check(qa, min_answer_chars=100).leaks(f"Answer {tasks[1].metadata['gold'][0][0]}") == []
