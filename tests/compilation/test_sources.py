"""Sources -> trajectories: a run folder's agent steps (raw observations, summaries left
out, errored tasks skipped), audit logs from JSONL, SQLite by path and by URL (grouped by
session, in time order), and the windows a long session is cut into."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from acon.agent.react import MessageIds
from acon.compilation.config import AuditColumns, AuditSource, SourcesConfig
from acon.compilation.records import RecordTurn, Trajectory
from acon.compilation.sources import (
    SourceCounts,
    audit_trajectories,
    read_trajectories,
    run_folder_trajectories,
    windows,
)
from acon.compression.base import Turn as ContextTurn
from acon.compression.base import summary_message
from acon.errors import AconError
from acon.run_folder import RunFolder
from acon.tokens import count_text
from acon.trajectory import TrajectoryWriter

SYSTEM = {"role": "system", "content": "You are an agent."}
TASK = "Find Ada Park's city and phone number."


def _reply(tool: str, **arguments: str) -> str:
    return json.dumps({"thought": f"use {tool}", "action": {"name": tool, "arguments": arguments}})


SEARCH = _reply("search", q="Ada Park")
LOOKUP = _reply("lookup", q="phone")
FINISH = _reply("finish", answer="Osaka, 555-0100")
RAW = "Ada Park was born in 1950 in Kyoto and has lived in Osaka since 1990. " * 3
SHOWN = "Ada Park: Osaka."  # what the observation compressor made of RAW
SUMMARY = "Ada Park lives in Osaka (summarized)."


def _write_task(folder, task_id, steps, *, compressed=None, summary_after=None):
    """A trajectory as acon.agent.react writes it: one agent_call per step with the
    messages new in its input, the compressor's events, the history cut to a summary."""
    compressed = compressed or {}
    writer = TrajectoryWriter(folder.trajectory(task_id))
    writer.event("start", task_id=task_id, difficulty=None, instruction=TASK)
    ids, kept, summary = MessageIds(), [], []
    for step, (reply, observation) in enumerate(steps, start=1):
        messages = [SYSTEM, {"role": "user", "content": TASK}, *summary]
        messages += [m for turn in kept for m in turn.messages()]
        context, new = ids.assign(messages)
        writer.event(
            "agent_call",
            step=step,
            in_tokens=0,
            system_tokens=0,
            out_tokens=0,
            context=context,
            new_messages=new,
            reply=reply,
            tool_calls=None,
        )
        if observation is None:
            break
        shown = compressed.get(step, observation)
        if step in compressed:
            writer.event(
                "compression",
                kind="observation",
                step=step,
                strategy="guideline",
                ok=True,
                input=observation,
                output=shown,
            )
        kept.append(ContextTurn.make(step, reply, shown))
        if step == summary_after:  # keep_last 1: the older turns become the summary
            summary, kept = [summary_message(SUMMARY)], kept[-1:]
            writer.event(
                "compression",
                kind="history",
                step=step,
                strategy="guideline",
                ok=True,
                summary=SUMMARY,
                kept_turns=[step],
            )
    writer.event("end", task_id=task_id, score=1.0, success=True, end_reason="finish")
    writer.close()


@pytest.fixture
def runs(tmp_path):
    folder = RunFolder(tmp_path / "runs" / "rollouts" / "naive")
    # t1: step 1's observation compressed, a summary after step 2, step 3 repeats step 2
    _write_task(
        folder,
        "t1",
        [(SEARCH, RAW), (LOOKUP, "no phone listed"), (LOOKUP, "phone: 555-0100"), (FINISH, None)],
        compressed={1: SHOWN},
        summary_after=2,
    )
    _write_task(folder, "t2", [(SEARCH, "nothing"), (LOOKUP, "nothing"), (FINISH, None)])
    _write_task(folder, "t3", [(SEARCH, "nothing")])
    folder.append_row(
        {
            "task_id": "t1",
            "status": "finished",
            "score": 1.0,
            "success": True,
            "end_reason": "finish",
        }
    )
    folder.append_row(
        {
            "task_id": "t2",
            "status": "finished",
            "score": 0.0,
            "success": False,
            "end_reason": "finish",
        }
    )
    folder.append_row({"task_id": "t3", "status": "errored", "score": 0.0, "success": False})
    return tmp_path / "runs"


def test_a_task_is_one_turn_per_step_with_raw_observations(runs):
    t1, t2 = run_folder_trajectories(runs)  # t3 errored: left out
    assert (t1.session, t2.session) == ("t1", "t2")
    assert t1.source == f"run:{runs / 'rollouts' / 'naive'}" and t1.task == TASK
    assert [t.id for t in t1.turns] == [1, 2, 3, 4]
    assert [t.tool for t in t1.turns] == ["search", "lookup", "lookup", "finish"]
    assert t1.turns[0].text == f"Action: {SEARCH}\nResult: {RAW}"  # not the compressed SHOWN
    assert t1.turns[1].text == f"Action: {LOOKUP}\nResult: no phone listed"
    # the same reply twice in one input: step 3's observation is the one after its own reply
    assert t1.turns[2].text == f"Action: {LOOKUP}\nResult: phone: 555-0100"
    assert t1.turns[3].text == f"Action: {FINISH}"
    assert all(SUMMARY not in t.text and SHOWN not in t.text for t in t1.turns)
    assert t1.meta["score"] == 1.0 and t1.meta["success"] is True
    assert "missing_observations" not in t1.meta
    assert t2.meta["success"] is False and len(t2.turns) == 3


def test_the_succeeded_filter_keeps_only_successes_and_counts_the_rest(runs):
    counts = SourceCounts()
    assert [t.session for t in run_folder_trajectories(runs, "succeeded", counts)] == ["t1"]
    assert counts.tasks_skipped == 2  # t2 failed, t3 errored


def test_a_missing_run_root_names_compilations_key(tmp_path):
    with pytest.raises(AconError, match=r"compilation\.sources\.runs"):
        list(run_folder_trajectories(tmp_path / "nowhere"))


# -- audit logs --------------------------------------------------------------------------

# Two sessions, interleaved and out of time order; "b" has numeric times and a tie, "a"
# ISO times whose text order is not their time order (09:00-02:00 is 11:00 UTC).
ROWS = [
    {
        "session_id": "a",
        "timestamp": "2024-01-01T10:00:05Z",
        "agent": "planner",
        "tool": "search",
        "arguments": {"q": "Ada"},
        "response": "Osaka",
        "cost": 0.5,
        "duration": 1.0,
    },
    {
        "session_id": "b",
        "timestamp": 30,
        "agent": "clerk",
        "tool": "write",
        "arguments": "file.txt",
        "response": "ok",
        "cost": 0.25,
        "duration": 2.0,
    },
    {
        "session_id": "a",
        "timestamp": "2024-01-01T09:00:00-02:00",
        "agent": "planner",
        "tool": "call",
        "arguments": {"n": 1},
        "response": {"phone": "555"},
        "cost": 1.0,
        "duration": 0.5,
    },
    {
        "session_id": "b",
        "timestamp": 10,
        "agent": "clerk",
        "tool": "open",
        "arguments": "file.txt",
        "response": "opened",
        "cost": 0.0,
        "duration": 1.0,
    },
    {
        "session_id": "a",
        "timestamp": "2024-01-01T09:59:59+00:00",
        "agent": "planner",
        "tool": "plan",
        "arguments": {},
        "response": "start",
        "cost": 0.25,
        "duration": 0.25,
    },
    {
        "session_id": "b",
        "timestamp": 30,
        "agent": "clerk",
        "tool": "close",
        "arguments": "file.txt",
        "response": "closed",
        "cost": 0.0,
        "duration": 0.5,
    },
]


def _jsonl(tmp_path, rows=ROWS):
    path = tmp_path / "audit.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _check_sessions(trajectories):
    a, b = trajectories
    assert (a.session, b.session) == ("a", "b") and a.task is None
    assert [t.tool for t in a.turns] == ["plan", "search", "call"]
    assert [t.tool for t in b.turns] == ["open", "write", "close"]  # the tie keeps file order
    assert [t.id for t in a.turns] == [1, 2, 3] and [t.id for t in b.turns] == [1, 2, 3]
    assert a.turns[1].text == 'planner called search({"q": "Ada"}) -> Osaka'
    assert a.turns[2].text == 'planner called call({"n": 1}) -> {"phone": "555"}'
    assert b.turns[0].text == "clerk called open(file.txt) -> opened"
    assert a.turns[1].time == "2024-01-01T10:00:05Z" and b.turns[0].time == "10"
    assert a.meta["cost"] == pytest.approx(1.75) and a.meta["duration"] == pytest.approx(1.75)
    assert b.meta["cost"] == pytest.approx(0.25) and b.meta["duration"] == pytest.approx(3.5)


def test_a_jsonl_audit_log_is_grouped_by_session_in_time_order(tmp_path):
    path = _jsonl(tmp_path)
    trajectories = list(audit_trajectories(AuditSource(path=str(path))))
    _check_sessions(trajectories)
    assert trajectories[0].source == f"audit:{path}"


NAMES = AuditColumns(
    session="sid",
    time="ts",
    agent="who",
    tool="fn",
    arguments="args",
    response="out",
    cost="usd",
    duration="secs",
)


def _sqlite(tmp_path):
    """The same rows in a table with other column names, written through SQLAlchemy."""
    path = tmp_path / "audit.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    table = sa.Table(
        "calls",
        sa.MetaData(),
        *(sa.Column(n, sa.String) for n in ("sid", "ts", "who", "fn", "args", "out")),
        sa.Column("usd", sa.Float),
        sa.Column("secs", sa.Float),
    )
    table.metadata.create_all(engine)
    text = {
        "session_id": "sid",
        "timestamp": "ts",
        "agent": "who",
        "tool": "fn",
        "arguments": "args",
        "response": "out",
        "cost": "usd",
        "duration": "secs",
    }
    with engine.begin() as conn:
        for row in ROWS:
            conn.execute(
                table.insert().values(
                    {
                        text[k]: v
                        if k in ("cost", "duration") or isinstance(v, str)
                        else json.dumps(v)
                        for k, v in row.items()
                    }
                )
            )
    engine.dispose()
    return path


def test_a_sqlite_table_reads_by_path_and_by_url_with_custom_columns(tmp_path):
    path = _sqlite(tmp_path)
    by_path = list(audit_trajectories(AuditSource(path=str(path), table="calls", columns=NAMES)))
    url = f"sqlite:///{path}"
    by_url = list(audit_trajectories(AuditSource(url=url, table="calls", columns=NAMES)))
    _check_sessions(by_path)
    _check_sessions(by_url)
    assert by_path[0].source == f"audit:{path}" and by_url[0].source == f"audit:{url}"
    jsonl = list(audit_trajectories(AuditSource(path=str(_jsonl(tmp_path)))))
    assert [t.turns for t in by_path] == [t.turns for t in jsonl]


def test_a_missing_column_names_the_key_to_set(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "session_id"} | {"sess": "x"} for r in ROWS]
    with pytest.raises(AconError, match=r"compilation\.sources\.audit\[0\]\.columns\.session"):
        list(audit_trajectories(AuditSource(path=str(_jsonl(tmp_path, rows)))))
    columns = AuditColumns(**{**vars(NAMES), "tool": "function"})
    bad = AuditSource(path=str(_sqlite(tmp_path)), table="calls", columns=columns)
    config = SourcesConfig(audit=[AuditSource(path=str(_jsonl(tmp_path))), bad])
    with pytest.raises(AconError, match=r"audit\[1\]\.columns\.tool") as caught:
        list(read_trajectories(config))
    assert "'function'" in str(caught.value)
    with pytest.raises(AconError, match=r"audit\[0\]\.table"):
        list(audit_trajectories(AuditSource(path=str(tmp_path / "audit.db"), columns=NAMES)))


def test_a_database_url_never_shows_its_password(tmp_path):
    source = AuditSource(url="postgresql://user:s3cret@127.0.0.1:1/audit")
    with pytest.raises(AconError) as caught:  # no driver, or nothing listening: either way
        list(audit_trajectories(source))
    assert "s3cret" not in str(caught.value) and "127.0.0.1" in str(caught.value)


# -- windows and the whole read ----------------------------------------------------------


def _long_session():
    words = " ".join(f"word{i}" for i in range(3000))
    turns = [RecordTurn(i, f"turn {i}: " + "lorem ipsum dolor " * 10, "tool") for i in range(1, 12)]
    turns[4] = RecordTurn(5, f"HEAD {words} TAIL", "tool")  # about 6000 tokens
    return Trajectory("audit:x", "s", tuple(turns), meta={"cost": 1.0})


def test_a_long_session_is_cut_into_windows_within_the_limits():
    parts = windows(_long_session(), max_turns=4, max_tokens=150, max_turn_tokens=100)
    assert [w.window for w in parts] == [0, 1, 2, 3]
    # ids kept; the turn limit closes windows 0 and 2, the token limit window 1
    assert [[t.id for t in w.turns] for w in parts] == [[1, 2, 3, 4], [5, 6], [7, 8, 9, 10], [11]]
    for w in parts:
        assert sum(count_text(t.text) for t in w.turns) <= 150
        assert (w.session, w.source, w.meta["cost"]) == ("s", "audit:x", 1.0)
    cut = next(t for w in parts for t in w.turns if t.id == 5)
    assert cut.text.startswith("HEAD word0 word1") and cut.text.endswith("word2999 TAIL")
    assert "tokens cut ...]" in cut.text and count_text(cut.text) <= 100
    untouched = next(t for w in parts for t in w.turns if t.id == 4)
    assert untouched == _long_session().turns[3]


def test_a_short_session_is_one_window_numbered_zero():
    session = _long_session()
    (whole,) = windows(session, max_turns=40, max_tokens=100_000, max_turn_tokens=10_000)
    assert whole.window == 0 and whole.turns == session.turns


def test_read_trajectories_puts_run_folders_first_and_applies_the_limits(runs, tmp_path):
    path = _jsonl(tmp_path)
    config = SourcesConfig(runs=[str(runs)], audit=[AuditSource(path=str(path))], min_turns=4)
    counts = SourceCounts()
    got = [(t.source.split(":")[0], t.session) for t in read_trajectories(config, counts)]
    assert got == [("run", "t1")]  # t2 and the audit sessions have 3 turns
    assert (counts.sessions, counts.short, counts.tasks_skipped) == (4, 3, 1)
    config = SourcesConfig(
        runs=[str(runs)], audit=[AuditSource(path=str(path))], min_turns=3, max_trajectories=3
    )
    got = [(t.source.split(":")[0], t.session) for t in read_trajectories(config)]
    assert got == [("run", "t1"), ("run", "t2"), ("audit", "a")]
