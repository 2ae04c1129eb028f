from __future__ import annotations

from acon.optimize.selection import (
    Scored,
    contrastive_set,
    failures,
    scored,
    select_best,
    successes,
)


def row(score, success=None):
    return {
        "score": score,
        "success": score == 1.0 if success is None else success,
        "peak_tokens": 100,
    }


BASE = {"a": row(1.0), "b": row(1.0), "c": row(0.0), "d": row(0.8, success=False)}
COMP = {"a": row(1.0), "b": row(0.0), "c": row(0.0), "d": row(0.7, success=False)}


def test_contrastive_set_is_success_without_and_failure_with_compression():
    assert contrastive_set(BASE, COMP) == ["b"]


def test_score_drop_mode_for_score_valued_benchmarks():
    assert contrastive_set(BASE, COMP, score_drop=0.05) == ["b", "d"]
    assert contrastive_set(BASE, COMP, score_drop=0.5) == ["b"]


def test_tasks_missing_from_either_run_are_left_out():
    assert contrastive_set({**BASE, "e": row(1.0)}, COMP) == ["b"]


def test_failures_and_successes():
    assert failures(COMP) == ["b", "c", "d"] and successes(COMP) == ["a"]


def cand(version, score, tokens, text="x"):
    return Scored(text=text, version=version, score=score, tokens=tokens)


def test_best_score_wins():
    parent = cand(1, 0.5, 100)
    assert select_best(parent, [cand(2, 0.6, 900), cand(3, 0.55, 50)]).version == 2


def test_ties_go_to_fewer_context_tokens_then_a_shorter_guideline():
    parent = cand(1, 0.5, 100, "a long guideline " * 20)
    assert select_best(parent, [cand(2, 0.5, 90), cand(3, 0.5, 95)]).version == 2
    assert select_best(parent, [cand(2, 0.5, 100, "short")]).version == 2


def test_the_parent_keeps_its_place_on_an_exact_tie_and_when_nothing_is_better():
    parent = cand(1, 0.5, 100, "same")
    assert select_best(parent, [cand(2, 0.5, 100, "same")]).version == 1
    assert select_best(parent, [cand(2, 0.4, 10)]).version == 1
    assert select_best(parent, []).version == 1


def test_scored_means_over_rows():
    s = scored(
        "t", 3, {"a": {"score": 1.0, "peak_tokens": 100}, "b": {"score": 0.0, "peak_tokens": 300}}
    )
    assert (s.score, s.tokens, s.version) == (0.5, 200, 3)
