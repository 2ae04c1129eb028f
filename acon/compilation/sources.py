"""Sources -> trajectories: the agent steps of run folders and the rows of audit logs.

A run folder's task becomes one turn per agent step (its action and the raw observation it
got, even where the agent saw a compressed one); an audit log's session becomes one turn
per logged tool call. A long session is then cut into windows a model can read whole.
Nothing here calls a model; redaction happens after (acon.compilation's caller).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from acon.compilation.config import AuditColumns, AuditSource, SourcesConfig
from acon.compilation.records import RecordTurn, Trajectory
from acon.distill.data import rollout_folders
from acon.errors import AconError
from acon.llm.client import reply_json
from acon.run_folder import RunFolder
from acon.tokens import clip_tokens, count_text
from acon.trajectory import ERRORED, read_events, replay_inputs

log = logging.getLogger(__name__)

OBSERVATION = "Observation:\n"  # acon.compression.base.observation_message
SQLITE_HEADER = b"SQLite format 3\x00"
# Columns an audit row cannot do without; cost and duration only feed the session's meta.
REQUIRED = ("session", "time", "agent", "tool", "arguments", "response")
OPTIONAL = ("cost", "duration")


@dataclass
class SourceCounts:
    """What reading the sources kept and left out (filled in as trajectories are read)."""

    sessions: int = 0  # sessions read (tasks with a trajectory, audit sessions)
    tasks_skipped: int = 0  # run-folder tasks left out: errored, not succeeded, no file
    windows: int = 0  # trajectories yielded
    short: int = 0  # windows left out for having fewer than min_turns turns


def read_trajectories(
    config: SourcesConfig,
    counts: SourceCounts | None = None,
    prepare: Callable[[Trajectory], Trajectory] | None = None,
) -> Iterator[Trajectory]:
    """Every trajectory of the configured sources, run folders first, windows in order; at
    most config.max_trajectories; trajectories with fewer than config.min_turns turns
    skipped. `counts`, when given, is filled in as they are read. `prepare` sees each whole
    session before it is cut (redaction: one placeholder per value across its windows, and
    no secret split by a turn's cut)."""
    counts = counts if counts is not None else SourceCounts()
    yielded = 0
    for session in _sessions(config, counts):
        if prepare is not None:
            session = prepare(session)
        counts.sessions += 1
        cut = windows(session, config.window_turns, config.window_tokens, config.max_turn_tokens)
        for window in cut:
            if len(window.turns) < config.min_turns:
                counts.short += 1
                continue
            yielded += 1
            counts.windows += 1
            yield window
            if yielded == config.max_trajectories:  # stop before reading further sessions
                return


def _sessions(config: SourcesConfig, counts: SourceCounts) -> Iterator[Trajectory]:
    for root in config.runs:
        yield from run_folder_trajectories(root, config.tasks, counts)
    for index, source in enumerate(config.audit):
        yield from audit_trajectories(source, index)


# -- run folders -------------------------------------------------------------------------


def run_folder_trajectories(
    root: str | Path, tasks: str = "finished", counts: SourceCounts | None = None
) -> Iterator[Trajectory]:
    """One trajectory per task of every rollout folder at or below `root` (unwindowed).
    Errored tasks are always left out; tasks="succeeded" keeps only successes."""
    if not Path(root).expanduser().exists():
        # rollout_folders would name distill's key; this is compilation's
        raise AconError(f"compilation.sources.runs: {root} does not exist: fix the path.")
    folders = rollout_folders([root])
    if not folders:
        log.warning(
            "compilation.sources.runs: no rollout folder (results.jsonl beside "
            "trajectories/) at or below %s.",
            root,
        )
    for folder in folders:
        for row in folder.rows():
            path = folder.trajectory(row["task_id"])
            if not _kept(row, tasks) or not path.is_file():
                if counts is not None:
                    counts.tasks_skipped += 1
                continue
            yield task_trajectory(folder, row, read_events(path))


def _kept(row: dict[str, Any], tasks: str) -> bool:
    if row.get("status") == ERRORED:
        return False
    return tasks != "succeeded" or bool(row.get("success"))


def task_trajectory(
    folder: RunFolder, row: dict[str, Any], events: list[dict[str, Any]]
) -> Trajectory:
    """One task's agent steps as turns: `Action: <reply>` and `Result: <raw observation>`."""
    calls = [e for e in events if e["event"] == "agent_call"]
    inputs = replay_inputs(events)
    # the observation as the environment returned it, where the agent saw it compressed
    raw = {
        e["step"]: e["input"]
        for e in events
        if e["event"] == "compression" and e.get("kind") == "observation" and "input" in e
    }
    turns, missing = [], []
    for position, call in enumerate(calls, start=1):
        reply = call.get("reply") or ""
        observation = raw.get(call["step"])
        if observation is None:
            observation = _observation(reply, inputs[position:])
        action = reply or _native_call(call) or ""
        text = f"Action: {action}"
        if observation is not None:
            text += f"\nResult: {observation}"
        elif position < len(calls):  # only the last step has no observation by design
            missing.append(position)
        turns.append(RecordTurn(id=position, text=text, tool=_tool(reply, call)))
    meta: dict[str, Any] = {k: row.get(k) for k in ("score", "success", "end_reason")}
    if missing:  # dropped from every later input (FIFO, a summary) and never compressed
        meta["missing_observations"] = missing
    return Trajectory(
        source=f"run:{folder.path}",
        session=str(row["task_id"]),
        turns=tuple(turns),
        task=_task(events, inputs),
        meta=meta,
    )


def _observation(reply: str, later: list[list[dict[str, Any]]]) -> str | None:
    """The observation message right after the reply, in the first later input holding it;
    searched from the end, so an identical earlier reply is not taken for this one."""
    for messages in later:
        for i in range(len(messages) - 2, -1, -1):
            message, after = messages[i], messages[i + 1]
            if message.get("role") != "assistant" or (message.get("content") or "") != reply:
                continue
            content = after.get("content") or ""
            if after.get("role") == "user" and content.startswith(OBSERVATION):
                return content[len(OBSERVATION) :]
    return None


def _native_call(call: dict[str, Any]) -> str | None:
    """A native tool call as JSON text, for a reply whose text is empty."""
    for tool_call in call.get("tool_calls") or ():
        fn = tool_call.get("function", {})
        return json.dumps({"name": fn.get("name"), "arguments": fn.get("arguments")})
    return None


def _tool(reply: str, call: dict[str, Any]) -> str | None:
    """The called tool's name: the reply's JSON `action.name` (or a top-level name/tool)."""
    for tool_call in call.get("tool_calls") or ():
        name = tool_call.get("function", {}).get("name")
        if isinstance(name, str):
            return name
    try:
        data = reply_json(reply)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for holder in (data.get("action"), data):  # {"thought", "action": {...}} or the call
        name = (holder.get("name") or holder.get("tool")) if isinstance(holder, dict) else None
        if isinstance(name, str):
            return name
    return None


def _task(events: list[dict[str, Any]], inputs: list[list[dict[str, Any]]]) -> str | None:
    for event in events:
        if event["event"] == "start" and event.get("instruction"):
            return str(event["instruction"])
    # no start event: the task is the first input's user message (after the system prompt)
    if inputs and len(inputs[0]) > 1 and inputs[0][1].get("role") == "user":
        return inputs[0][1].get("content")
    return None


# -- audit logs --------------------------------------------------------------------------


def audit_trajectories(source: AuditSource, index: int = 0) -> Iterator[Trajectory]:
    """One trajectory per session of an audit log (unwindowed): a JSONL file, a SQLite file
    or any SQLAlchemy URL. `index`: the source's place in compilation.sources.audit (for
    error messages)."""
    key = f"compilation.sources.audit[{index}]"
    if source.url is not None:
        location = _safe_url(source.url)
        rows = _table_rows(source.url, source, key)
    else:
        assert source.path is not None
        location = source.path
        path = Path(source.path).expanduser()
        if not path.is_file():
            raise AconError(f"{key}.path: {source.path} does not exist: fix the path.")
        if _is_sqlite(path):
            rows = _table_rows(f"sqlite:///{path.resolve()}", source, key)
        else:
            rows = _jsonl_rows(path, source.columns, key)
    for session, group in rows:
        yield _audit_trajectory(f"audit:{location}", session, group, source.columns)


def _is_sqlite(path: Path) -> bool:
    if path.suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        return True
    with path.open("rb") as f:
        return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _missing(key: str, field: str, name: str, where: str) -> AconError:
    return AconError(
        f"{key}.columns.{field}: {where} has no column {name!r}: set "
        f"{key}.columns.{field} to the column that holds the {field}."
    )


def _jsonl_rows(
    path: Path, columns: AuditColumns, key: str
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Rows grouped by session, sessions in order of first appearance."""
    sessions: dict[str, list[dict[str, Any]]] = {}
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise AconError(
                    f"{key}.path: line {number} of {path} is not JSON ({exc}): fix or remove it."
                ) from exc
            for field in REQUIRED:
                name = getattr(columns, field)
                if not isinstance(row, dict) or name not in row:
                    raise _missing(key, field, name, f"line {number} of {path}")
            sessions.setdefault(str(row[columns.session]), []).append(row)
    for session, rows in sessions.items():
        yield session, _by_time(rows, columns.time)


def _table_rows(
    url: str, source: AuditSource, key: str
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A table's rows grouped by session, read in session then time order (streamed)."""
    where = _safe_url(url)
    try:
        engine = sa.create_engine(url)
    except (ImportError, SQLAlchemyError) as exc:
        raise AconError(
            f"{key}.url: cannot open {where} ({exc}): fix the URL or install its database driver."
        ) from exc
    if engine.url.get_backend_name() == "sqlite":
        database = engine.url.database
        if database and database != ":memory:" and not Path(database).is_file():
            # SQLite would create an empty file and report an empty log
            raise AconError(f"{key}.url: {database} does not exist: fix the path.")
    schema, _, name = source.table.rpartition(".")
    try:
        with engine.connect() as conn:
            try:
                table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=conn)
            except NoSuchTableError as exc:
                raise AconError(
                    f"{key}.table: {where} has no table {source.table!r}: set "
                    f"{key}.table to the audit log's table."
                ) from exc
            for field in REQUIRED:
                if getattr(source.columns, field) not in table.c:
                    raise _missing(
                        key,
                        field,
                        getattr(source.columns, field),
                        f"table {source.table!r} of {where}",
                    )
            wanted = [getattr(source.columns, f) for f in REQUIRED + OPTIONAL]
            cols = [table.c[c] for c in dict.fromkeys(wanted) if c in table.c]
            session_col, time_col = table.c[source.columns.session], table.c[source.columns.time]
            query = sa.select(*cols).order_by(session_col, time_col)
            result = conn.execution_options(stream_results=True).execute(query)
            rows = (dict(r._mapping) for r in result)
            for session, group in groupby(rows, key=lambda r: str(r[source.columns.session])):
                # SQL orders ISO strings of mixed formats as text; order them as times
                yield session, _by_time(list(group), source.columns.time)
    except SQLAlchemyError as exc:
        raise AconError(
            f"{key}: reading {where} failed ({exc}): check the database and its URL."
        ) from exc
    finally:
        engine.dispose()


def _by_time(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: _time_key(r.get(column)))  # stable: ties keep order


def _time_key(value: Any) -> tuple[int, float | str]:
    """Numbers and ISO times as seconds (naive times as UTC); any other text after them."""
    if isinstance(value, bool) or value is None:
        return (2, "")
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, datetime):
        return (0, _seconds(value))
    text = str(value).strip()
    try:
        return (0, float(text))
    except ValueError:
        pass
    try:
        return (0, _seconds(datetime.fromisoformat(text)))
    except ValueError:
        return (1, text)


def _seconds(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _audit_trajectory(
    source: str, session: str, rows: list[dict[str, Any]], columns: AuditColumns
) -> Trajectory:
    turns = []
    for position, row in enumerate(rows, start=1):
        tool = row[columns.tool]
        text = (
            f"{row[columns.agent]} called {tool}({_text(row[columns.arguments])}) -> "
            f"{_text(row[columns.response])}"
        )
        tool = None if tool is None else str(tool)
        turns.append(
            RecordTurn(id=position, text=text, tool=tool, time=_time_text(row[columns.time]))
        )
    meta = {"cost": _total(rows, columns.cost), "duration": _total(rows, columns.duration)}
    return Trajectory(source=source, session=session, turns=tuple(turns), meta=meta)


def _time_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _total(rows: Iterable[dict[str, Any]], column: str) -> float | None:
    """The sum of a numeric column; None where the log has no such column."""
    values = [r[column] for r in rows if column in r]
    if not values:
        return None
    total = 0.0
    for value in values:
        try:
            total += float(value) if value is not None else 0.0
        except (TypeError, ValueError):
            continue  # a malformed cell does not void the session
    return total


# -- windows -----------------------------------------------------------------------------


def windows(
    trajectory: Trajectory, max_turns: int, max_tokens: int, max_turn_tokens: int
) -> list[Trajectory]:
    """The session cut into consecutive windows of at most `max_turns` turns and
    `max_tokens` tokens of turn text (cl100k), after each turn longer than
    `max_turn_tokens` is cut to its head and tail. Turn ids stay the session's; windows are
    numbered 0, 1, ... A turn alone over `max_tokens` gets a window of its own."""
    turns = [_clip(t, max_turn_tokens) for t in trajectory.turns]
    chunks: list[list[RecordTurn]] = []
    current: list[RecordTurn] = []
    tokens = 0
    for turn in turns:
        size = count_text(turn.text)
        if current and (len(current) >= max_turns or tokens + size > max_tokens):
            chunks.append(current)
            current, tokens = [], 0
        current.append(turn)
        tokens += size
    if current or not chunks:
        chunks.append(current)
    return [
        replace(
            trajectory,
            turns=tuple(chunk),
            window=i,
            meta={**trajectory.meta, "windows": len(chunks)},
        )
        for i, chunk in enumerate(chunks)
    ]


def _clip(turn: RecordTurn, max_tokens: int) -> RecordTurn:
    if count_text(turn.text) <= max_tokens:
        return turn
    # leave room for the marker, so the cut text stays about within the limit
    budget = max(2, max_tokens - count_text("\n[... 100000 tokens cut ...]\n"))
    text, _ = clip_tokens(turn.text, budget)
    return replace(turn, text=text)
