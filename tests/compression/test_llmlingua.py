"""The `llmlingua` strategies: keep-ratio selection with a fake scorer, and the local
perplexity scorer against the real llama.cpp server (integration)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from acon.composition import compose
from acon.compression import lingua_scorer as lingua
from acon.compression.base import CompressionError, HistoryState, Turn
from acon.compression.lingua_scorer import ScoredToken, join_pieces, select, token_logprobs
from acon.compression.llmlingua import (
    LinguaHistory,
    LinguaHistoryConfig,
    LinguaObservation,
    LinguaObservationConfig,
)
from acon.errors import AconError
from acon.run_folder import RunFolder
from acon.services import Services


class FakeScorer:
    """Whitespace-split tokens (each keeps its leading space); a token's score is the
    number in it if there is one (so tests choose the ranking), else 0."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def score(self, text: str) -> list[ScoredToken]:
        self.calls.append(text)
        pieces = re.findall(r"\s*\S+|\s+$", text)
        return [
            ScoredToken(p, float(m.group()) if (m := re.search(r"\d+", p)) else 0.0) for p in pieces
        ]


class FailingScorer:
    def score(self, text: str) -> list[ScoredToken]:
        raise CompressionError("server down")


def toks(*scores: float) -> list[ScoredToken]:
    return [ScoredToken(f" t{i}", s) for i, s in enumerate(scores)]


def test_ratio_respected_and_highest_scores_kept_in_order():
    tokens = toks(5, 1, 9, 3, 7, 2, 8, 0, 6, 4)
    kept = select(tokens, 0.3, unit="token")
    assert kept == [2, 4, 6]  # scores 9, 7, 8, in original order
    for ratio in (0.1, 0.25, 0.5, 0.77):
        assert len(select(tokens, ratio, unit="token")) == max(1, round(ratio * len(tokens)))


def test_order_preserved_in_text():
    tokens = toks(1, 9, 2, 8, 3, 7)
    out = lingua.compress_tokens(tokens, 0.5, unit="token")
    assert out == " t1 t3 t5"


def test_empty_text_and_ratio_one():
    assert select([], 0.3) == []
    tokens = toks(3, 1, 2)
    assert select(tokens, 1.0, unit="token") == [0, 1, 2]
    obs = LinguaObservation(LinguaObservationConfig(keep_ratio=1.0), scorer=FakeScorer())
    assert obs.compress("a b 3 c", "task", "act").text == "a b 3 c"
    assert (
        LinguaObservation(LinguaObservationConfig(), scorer=FakeScorer())
        .compress("", "t", "a")
        .text
        == ""
    )


@pytest.mark.parametrize("ratio", [0, -0.1, 1.5, "lots", None, math.nan])
def test_bad_ratio_refused(ratio):
    with pytest.raises(AconError, match="keep_ratio"):
        select(toks(1, 2), ratio)


@pytest.mark.parametrize("ratio", [0, -0.1, 1.5, "nan"])
def test_a_bad_ratio_in_the_config_is_refused_when_composed(ratio):
    with pytest.raises(AconError, match=r"compression\.observation\.keep_ratio=.*\(0, 1\]"):
        compose(
            ["compression/observation=llmlingua", f"compression.observation.keep_ratio={ratio}"]
        )


@pytest.mark.parametrize(
    ("key", "value", "accepts"),
    [("scorer", "bert", "local_perplexity, llmlingua2"), ("unit", "line", "word, token")],
)
def test_bad_scorer_or_unit_refused(key, value, accepts):
    with pytest.raises(AconError, match=accepts):
        compose(["compression/observation=llmlingua", f"compression.observation.{key}={value}"])


def test_word_unit_keeps_words_whole():
    # "Reykjavik" split in three tokens, scored high on one fragment only
    tokens = [
        ScoredToken("Moved", 1.0),
        ScoredToken(" to", 0.1),
        ScoredToken(" Rey", 9.0),
        ScoredToken("kj", 0.2),
        ScoredToken("avik", 0.2),
        ScoredToken(" in", 0.1),
        ScoredToken(" ", 0.1),
        ScoredToken("1", 5.0),
        ScoredToken("9", 5.0),
        ScoredToken("8", 5.0),
        ScoredToken("7", 5.0),
    ]
    out = lingua.compress_tokens(tokens, 0.5, unit="word")
    # budget 6: " Reykjavik" (a word scores as its best token: 9), then " 1987" (5 tokens)
    # would overshoot, so the next words that fit: "Moved", " to", " in"
    assert out == "Moved to Reykjavik in"
    assert lingua.compress_tokens(tokens, 0.8, unit="word") == "Moved Reykjavik 1987"
    # keep_digits puts the number first; then only "Moved" still fits
    assert lingua.compress_tokens(tokens, 0.5, "word", keep_digits=True) == "Moved 1987"
    words = lingua.units_of(tokens, "word")
    assert [i for g in words for i in g] == list(range(len(tokens)))
    assert [2, 3, 4] in words and [6, 7, 8, 9, 10] in words
    parts = [" 3", ",", "8", "4", "2", " Ok", "-", "Wh", " hand", "-made", ".", " The"]
    words = lingua.units_of([ScoredToken(p, 0.0) for p in parts], "word")
    assert words == [[0, 1, 2, 3, 4], [5, 6, 7], [8, 9], [10], [11]]


def test_observation_strategy_with_a_token_unit():
    obs = LinguaObservation(
        LinguaObservationConfig(keep_ratio=0.3, unit="token"), scorer=FakeScorer()
    )
    text = "the 10 cat 50 sat on 40 the mat today"
    # round(0.3 * 10) = 3 tokens: the three numbers, in the text's order
    assert obs.compress(text, "task", "act").text == " 10 50 40"


def test_scorer_failure_is_a_compression_error():
    obs = LinguaObservation(LinguaObservationConfig(), scorer=FailingScorer())
    with pytest.raises(CompressionError):
        obs.compress("some text", "t", "a")


def turn(i: int, obs: str) -> Turn:
    return Turn(index=i, action=f"act {i}", observation=obs, tokens=10)


def test_history_keeps_last_turn_verbatim_and_accumulates():
    scorer = FakeScorer()
    hist = LinguaHistory(LinguaHistoryConfig(keep_ratio=0.3), scorer=scorer)
    turns = [turn(1, "alpha 11 beta"), turn(2, "gamma 22 delta"), turn(3, "last 33 one")]
    state = HistoryState(
        task="t", summary="old 99 summary", turns=turns, all_turns=turns, keep_last=1
    )
    out = hist.compact(state)
    assert out.turns == [turns[2]]  # the same Turn object, untouched
    assert scorer.calls == ["old 99 summary\n\n" + turns[0].text() + "\n\n" + turns[1].text()]
    assert "99" in out.summary and "22" in out.summary and "33" not in out.summary
    assert out.detail["compressed_turns"] == [1, 2]
    assert out.detail["kept_tokens"] < out.detail["tokens"]


def test_history_with_nothing_old_is_skipped():
    hist = LinguaHistory(LinguaHistoryConfig(), scorer=FakeScorer())
    turns = [turn(1, "x")]
    state = HistoryState(task="t", summary=None, turns=turns, all_turns=turns, keep_last=1)
    out = hist.compact(state)
    assert out.turns == turns and out.detail == {"skipped": True}


def test_local_scorer_needs_a_session():
    with pytest.raises(AconError, match="LLM session"):
        LinguaObservation(LinguaObservationConfig(), Services())


def test_join_pieces_merges_partial_utf8():
    snow = "☃".encode()
    pieces = ["a", list(snow[:1]), list(snow[1:]), " b"]
    assert join_pieces(pieces) == [("a", [0]), ("☃", [1, 2]), (" b", [3])]


def test_token_logprobs_is_log_softmax():
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=(5, 4)).astype(np.float32)
    matrix = rng.normal(size=(7, 4)).astype(np.float32)
    ids = [1, 0, 6, 3, 2]
    got = token_logprobs(hidden, matrix, ids, block=2)
    logits = hidden.astype(np.float64) @ matrix.T.astype(np.float64)
    want = logits[np.arange(5), ids] - np.log(np.exp(logits).sum(axis=1))
    assert np.allclose(got, want, atol=1e-4)


PARAGRAPH = (
    "In the spring of 1987, a young engineer named Thaddeus Okonkwo-Whitfield arrived in "
    "the small town with nothing but a suitcase and a plan. He had heard that the old "
    "mill by the river was for sale, and he was determined to turn it into a workshop. "
    "The people of the town were kind to him, and they helped him in many ways. After "
    "several long months of hard work, the workshop finally opened its doors on the "
    "14th of October, and it produced exactly 3,842 hand-made bicycles in its first "
    "year. It was a very good year for the town, and everyone was very happy about it."
)
FILLER = {"the", "and", "a", "was", "of", "in", "to", "it", "he", "him", "very", "with"}


@pytest.mark.integration
def test_local_perplexity_on_a_real_paragraph(local_cfg, tmp_path):
    import time

    from acon.llm import LLMSession, ModelSettings

    with LLMSession(ModelSettings.of(local_cfg), tmp_path) as llms:
        config = LinguaObservationConfig(keep_ratio=0.3, scorer="local_perplexity")
        obs = LinguaObservation(config, Services(llms=llms, run=RunFolder(tmp_path)))
        scorer = obs.compressor.scorer
        start = time.perf_counter()
        tokens = scorer.score(PARAGRAPH)
        elapsed = time.perf_counter() - start
        out = obs.compress(PARAGRAPH, "task", "act").text
        server = llms.servers["qwen2.5-coder-0.5b+lingua"]
        pid = server.pid
    assert server.pid is None and pid is not None  # stopped with the session
    assert "".join(t.text for t in tokens) == PARAGRAPH
    assert all(t.score >= 0 for t in tokens) and elapsed < 120
    assert len(out) < 0.5 * len(PARAGRAPH)
    # made of the input's tokens, in order
    pos = 0
    for piece in re.findall(r"\S+", out):
        found = PARAGRAPH.find(piece, pos)
        assert found >= 0, piece
        pos = found + len(piece)
    # informative words survive more often than filler words
    kept_words = set(re.findall(r"[\w',-]+", out))
    informative = ["Thaddeus", "1987", "3,842", "Okonkwo-Whitfield", "bicycles", "October"]
    filler_total = [w for w in re.findall(r"[\w']+", PARAGRAPH) if w.lower() in FILLER]
    filler_kept = sum(1 for w in re.findall(r"[\w']+", out) if w.lower() in FILLER)
    informative_rate = sum(1 for w in informative if w in kept_words or w in out) / 6
    assert informative_rate >= 0.5
    assert informative_rate > filler_kept / len(filler_total)
