"""A real PostgreSQL server behind a SQLAlchemy URL: an audit log read from its table (with
its own column names), and the pair store kept there, idempotently."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from acon.compilation.config import AuditColumns, AuditSource
from acon.compilation.records import QAPair
from acon.compilation.sources import audit_trajectories
from acon.compilation.store import PairStore
from tests.support.postgres import postgres_server


@pytest.fixture(scope="module")
def postgres_url():
    pytest.importorskip("psycopg", reason="the compile extra (make setup installs it)")
    with tempfile.TemporaryDirectory() as folder:
        try:
            with postgres_server(Path(folder)) as url:
                yield url
        except (FileNotFoundError, OSError) as exc:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is missing in CI: {exc}")
            pytest.skip(f"no PostgreSQL server here: {exc}")


def test_an_audit_log_in_postgres_is_read_by_url(postgres_url):
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "create table agent_calls (sid text, at timestamptz, who text, fn text, "
                "args jsonb, result text, usd double precision, secs double precision)"
            )
        )
        conn.execute(
            sa.text(
                "insert into agent_calls values (:sid, :at, 'bot', :fn, "
                "cast(:args as jsonb), :result, :usd, :secs)"
            ),
            [
                {
                    "sid": "b",
                    "at": "2026-11-01T10:00:02Z",
                    "fn": "get",
                    "args": '{"id": 2}',
                    "result": "two",
                    "usd": 0.1,
                    "secs": 1,
                },
                {
                    "sid": "a",
                    "at": "2026-11-01T10:00:09Z",
                    "fn": "put",
                    "args": '{"id": 9}',
                    "result": "nine",
                    "usd": 0.2,
                    "secs": 2,
                },
                {
                    "sid": "b",
                    "at": "2026-11-01T10:00:01Z",
                    "fn": "get",
                    "args": '{"id": 1}',
                    "result": "one",
                    "usd": 0.3,
                    "secs": 3,
                },
            ],
        )
    engine.dispose()
    columns = AuditColumns(
        session="sid",
        time="at",
        agent="who",
        tool="fn",
        arguments="args",
        response="result",
        cost="usd",
        duration="secs",
    )
    found = {
        t.session: t
        for t in audit_trajectories(
            AuditSource(url=postgres_url, table="agent_calls", columns=columns)
        )
    }
    assert set(found) == {"a", "b"}
    assert [t.text for t in found["b"].turns] == [
        'bot called get({"id": 1}) -> one',
        'bot called get({"id": 2}) -> two',
    ]
    assert found["b"].meta["cost"] == pytest.approx(0.4)
    assert found["a"].source.startswith("audit:postgresql+psycopg://postgres@127.0.0.1")


def test_the_pair_store_in_postgres_is_idempotent(postgres_url):
    from acon.compilation.records import RecordTurn, Trajectory

    t = Trajectory("audit:x", "s", (RecordTurn(1, "a"), RecordTurn(2, "b"), RecordTurn(3, "c")))
    store = PairStore(postgres_url)
    for _ in range(2):
        store.save(
            t,
            "settings",
            [QAPair("q?", "a", [1, 3], verdicts={"overlap": True})],
            dropped={},
            redacted={"EMAIL": 1},
            cost_usd=0.0,
            seconds=0.0,
        )
    assert store.compiled(t, "settings")
    assert [(p["question"], p["kept"]) for p in store.pairs(kept=None)] == [("q?", True)]
    store.close()
