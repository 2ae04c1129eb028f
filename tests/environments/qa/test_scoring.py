"""EM / F1 on hand examples: normalization, aliases, position pairing, wrong counts."""

from __future__ import annotations

import pytest

from environments.qa.scoring import (
    exact_match,
    f1_score,
    normalize_answer,
    score_answers,
    split_answers,
)


def test_normalization_drops_case_punctuation_articles_and_spaces():
    assert normalize_answer("  The  Beatles!  ") == "beatles"
    assert normalize_answer("An apple, a day") == "apple day"
    assert normalize_answer("U.S.A.") == "usa"
    assert normalize_answer("theatre") == "theatre"  # only whole words are articles


def test_exact_match_is_best_over_the_aliases():
    aliases = ["14 December 1972 UTC", "December 1972"]
    assert exact_match("december 1972", aliases) == 1.0
    assert exact_match("December 14, 1972", aliases) == 0.0


def test_f1_is_token_overlap_best_over_the_aliases():
    aliases = ["Bobby Scott", "Bob Russell"]
    assert f1_score("Bob Russell", aliases) == 1.0
    # "bobby scott and bob russell" vs "bob russell": precision 2/5, recall 1 -> 4/7
    assert f1_score("Bobby Scott and Bob Russell", aliases) == pytest.approx(4 / 7)
    assert f1_score("Paul McCartney", aliases) == 0.0


def test_answers_pair_with_questions_by_position():
    gold = [["Paris"], ["1972"], ["one", "one season"]]
    result = score_answers("Paris; 1972; one season", gold)
    assert result["em"] == [1.0, 1.0, 1.0]
    assert (result["mean_em"], result["mean_f1"], result["count_mismatch"]) == (1.0, 1.0, False)
    swapped = score_answers("1972; Paris; one season", gold)
    assert swapped["em"] == [0.0, 0.0, 1.0]
    assert swapped["mean_em"] == pytest.approx(1 / 3)


def test_missing_answers_score_zero_and_the_mismatch_is_recorded():
    gold = [["Paris"], ["1972"], ["one"], ["Rome"]]
    result = score_answers("Paris; 1972", gold)
    assert result["em"] == [1.0, 1.0, 0.0, 0.0]
    assert result["mean_em"] == 0.5
    assert (result["answer_count"], result["expected_count"], result["count_mismatch"]) == (
        2,
        4,
        True,
    )


def test_extra_answers_are_ignored_but_recorded():
    result = score_answers("Paris; 1972; extra; more", [["Paris"], ["1972"]])
    assert result["em"] == [1.0, 1.0]
    assert result["mean_f1"] == 1.0
    assert result["answer_count"] == 4 and result["count_mismatch"]


@pytest.mark.parametrize("answer", [None, "", "   "])
def test_no_answer_scores_zero_without_crashing(answer):
    result = score_answers(answer, [["Paris"], ["1972"]])
    assert result["em"] == [0.0, 0.0] and result["f1"] == [0.0, 0.0]
    assert result["answer_count"] == 0 and result["count_mismatch"]


def test_an_empty_slot_keeps_the_positions_of_the_others():
    result = score_answers("Paris; ; Rome", [["Paris"], ["1972"], ["Rome"]])
    assert result["em"] == [1.0, 0.0, 1.0] and not result["count_mismatch"]


def test_numbering_is_dropped_only_when_it_is_the_answers_position():
    assert split_answers("1. Paris; 2) 1972; Q3: Rome;") == ["Paris", "1972", "Rome"]
    # a number that is not the position is part of the answer
    assert split_answers("Paris; 1972; 12. Angry Men") == ["Paris", "1972", "12. Angry Men"]
    assert split_answers("3.5 million") == ["3.5 million"]
