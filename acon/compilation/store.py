"""Where compiled pairs live: SQLite by default, any SQLAlchemy URL otherwise (Postgres).

    trajectories  one row per compiled trajectory (its redacted turns, what the compiler
                  proposed and dropped, what was redacted in its session, cost, time)
    pairs         one row per proposed pair: question, answer, supporting turns, kept,
                  each check's verdict, scores, cost

Idempotent: a trajectory already stored with the same content and compile settings is
not compiled again, and recompiling one (new content, new settings, or `force`) replaces
its pairs in one transaction, so no pair is ever stored twice.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from acon.compilation.records import QAPair, Trajectory
from acon.errors import AconError

META = sa.MetaData()
TRAJECTORIES = sa.Table(
    "trajectories",
    META,
    sa.Column("key", sa.String(512), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("session", sa.Text, nullable=False),
    sa.Column("window", sa.Integer, nullable=False),
    sa.Column("content_sha", sa.String(64), nullable=False),
    sa.Column("settings_sha", sa.String(64), nullable=False),
    sa.Column("task", sa.Text),
    sa.Column("turns", sa.JSON, nullable=False),
    sa.Column("proposed", sa.Integer, nullable=False),
    sa.Column("dropped", sa.JSON, nullable=False),
    sa.Column("redacted", sa.JSON, nullable=False),
    sa.Column("cost_usd", sa.Float, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("compiled_at", sa.String(40), nullable=False),
)
PAIRS = sa.Table(
    "pairs",
    META,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column(
        "trajectory_key",
        sa.String(512),
        sa.ForeignKey("trajectories.key"),
        nullable=False,
        index=True,
    ),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("supporting_turns", sa.JSON, nullable=False),
    sa.Column("kept", sa.Boolean, nullable=False),
    sa.Column("verdicts", sa.JSON, nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("cost_usd", sa.Float, nullable=False),
)


def store_url(configured: str | None, run_dir: Path) -> str:
    """The configured URL, or a SQLite file in the run folder."""
    return configured or f"sqlite:///{(run_dir / 'pairs.db').resolve()}"


class PairStore:
    def __init__(self, url: str):
        try:
            self.engine = sa.create_engine(url)
            META.create_all(self.engine)
        except (sa.exc.SQLAlchemyError, ImportError, ValueError) as exc:
            shown = url if "://" not in url else sa.engine.make_url(url).render_as_string()
            raise AconError(
                f"compilation.store={shown} cannot be opened ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0]}): give a SQLAlchemy URL that is reachable, "
                f"e.g. sqlite:////abs/pairs.db or postgresql+psycopg://user@host/db."
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    def compiled(self, trajectory: Trajectory, settings_sha: str) -> bool:
        """Whether this trajectory, as it is now, was compiled with these settings."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(TRAJECTORIES.c.content_sha, TRAJECTORIES.c.settings_sha).where(
                    TRAJECTORIES.c.key == trajectory.key
                )
            ).first()
        return row is not None and tuple(row) == (trajectory.content_sha, settings_sha)

    def save(
        self,
        trajectory: Trajectory,
        settings_sha: str,
        pairs: list[QAPair],
        *,
        dropped: dict[str, int],
        redacted: dict[str, int],
        cost_usd: float,
        seconds: float,
    ) -> None:
        """Store a compiled trajectory and its pairs, replacing what it had."""
        with self.engine.begin() as conn:
            conn.execute(PAIRS.delete().where(PAIRS.c.trajectory_key == trajectory.key))
            conn.execute(TRAJECTORIES.delete().where(TRAJECTORIES.c.key == trajectory.key))
            conn.execute(
                TRAJECTORIES.insert().values(
                    key=trajectory.key,
                    source=trajectory.source,
                    session=trajectory.session,
                    window=trajectory.window,
                    content_sha=trajectory.content_sha,
                    settings_sha=settings_sha,
                    task=trajectory.task,
                    turns=[
                        {"id": t.id, "text": t.text, "tool": t.tool, "time": t.time}
                        for t in trajectory.turns
                    ],
                    proposed=len(pairs),
                    dropped=dict(dropped),
                    redacted=dict(redacted),
                    cost_usd=cost_usd,
                    seconds=seconds,
                    compiled_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                )
            )
            if pairs:
                conn.execute(
                    PAIRS.insert(),
                    [
                        {
                            "id": p.pair_id(trajectory.key),
                            "trajectory_key": trajectory.key,
                            "question": p.question,
                            "answer": p.answer,
                            "supporting_turns": p.supporting_turns,
                            "kept": p.kept,
                            "verdicts": p.verdicts,
                            "scores": p.scores,
                            "cost_usd": p.cost_usd,
                        }
                        for p in pairs
                    ],
                )

    def pairs(self, kept: bool | None = True) -> list[dict[str, Any]]:
        """Pairs with their trajectory's source, session, task and turns, in a stable
        order (source, session, window, then question)."""
        query = (
            sa.select(
                PAIRS,
                TRAJECTORIES.c.source,
                TRAJECTORIES.c.session,
                TRAJECTORIES.c.window,
                TRAJECTORIES.c.task,
                TRAJECTORIES.c.turns,
            )
            .join(TRAJECTORIES, PAIRS.c.trajectory_key == TRAJECTORIES.c.key)
            .order_by(
                TRAJECTORIES.c.source,
                TRAJECTORIES.c.session,
                TRAJECTORIES.c.window,
                PAIRS.c.question,
            )
        )
        if kept is not None:
            query = query.where(PAIRS.c.kept == kept)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def trajectories(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(TRAJECTORIES).order_by(TRAJECTORIES.c.key))
            return [dict(row._mapping) for row in rows]
