"""The pair store: idempotent (recompiling a trajectory replaces its pairs, never adds to
them), resumable (the same trajectory and settings are known as compiled), on SQLite by
default and through any SQLAlchemy URL."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from acon.compilation.records import QAPair, RecordTurn, Trajectory
from acon.compilation.store import PairStore, store_url
from acon.errors import AconError

TRAJECTORY = Trajectory(
    "run:/r", "t1", (RecordTurn(1, "a"), RecordTurn(2, "b"), RecordTurn(3, "c")), task="T"
)


def pairs(*answers):
    out = []
    for answer in answers:
        p = QAPair(f"what is {answer}?", answer, [1, 3], verdicts={"non_adjacent": True})
        p.cost_usd = 0.5
        out.append(p)
    return out


def save(store, trajectory, settings, found):
    store.save(
        trajectory,
        settings,
        found,
        dropped={"malformed": 1},
        redacted={"EMAIL": 2},
        cost_usd=1.0,
        seconds=2.0,
    )


def count(url, table):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()
    engine.dispose()
    return n


def test_recompiling_a_trajectory_replaces_its_pairs(tmp_path):
    url = store_url(None, tmp_path)
    store = PairStore(url)
    save(store, TRAJECTORY, "s1", pairs("a", "b"))
    save(store, TRAJECTORY, "s1", pairs("a", "b"))  # the same again
    assert count(url, "pairs") == 2 and count(url, "trajectories") == 1
    save(store, TRAJECTORY, "s2", pairs("c"))  # new settings: its pairs are replaced
    assert [p["answer"] for p in store.pairs()] == ["c"]
    store.close()
    reopened = PairStore(url)  # the file keeps it
    assert [p["answer"] for p in reopened.pairs()] == ["c"]
    assert reopened.trajectories()[0]["redacted"] == {"EMAIL": 2}


def test_a_trajectory_is_compiled_once_per_content_and_settings(tmp_path):
    store = PairStore(store_url(None, tmp_path))
    assert not store.compiled(TRAJECTORY, "s1")
    save(store, TRAJECTORY, "s1", pairs("a"))
    assert store.compiled(TRAJECTORY, "s1")
    assert not store.compiled(TRAJECTORY, "s2")
    changed = dataclasses.replace(TRAJECTORY, turns=(*TRAJECTORY.turns, RecordTurn(4, "d")))
    assert changed.key == TRAJECTORY.key and not store.compiled(changed, "s1")


def test_kept_and_rejected_pairs_come_back_with_their_trajectory(tmp_path):
    store = PairStore(f"sqlite:///{tmp_path / 'other.db'}")  # any SQLAlchemy URL
    found = pairs("a", "b")
    found[1].verdicts["overlap"] = False
    save(store, TRAJECTORY, "s1", found)
    kept, rejected = store.pairs(kept=True), store.pairs(kept=False)
    assert [p["answer"] for p in kept] == ["a"] and [p["answer"] for p in rejected] == ["b"]
    assert kept[0]["turns"][2] == {"id": 3, "text": "c", "tool": None, "time": None}
    assert kept[0]["task"] == "T" and kept[0]["session"] == "t1"
    assert rejected[0]["verdicts"] == {"non_adjacent": True, "overlap": False}
    assert len(store.pairs(kept=None)) == 2


@pytest.mark.parametrize(
    "url", ["not a url", "nosuchdialect://x/y", "sqlite:////no/such/folder/pairs.db"]
)
def test_a_store_that_cannot_be_opened_is_one_sentence(url):
    with pytest.raises(AconError, match="compilation.store=.*SQLAlchemy URL"):
        PairStore(url)


def test_the_password_of_a_store_url_is_not_repeated():
    with pytest.raises(AconError) as refused:
        PairStore("postgresql+psycopg://user:s3cr3t-pw@127.0.0.1:1/db")
    assert "s3cr3t-pw" not in str(refused.value)
