"""OfficeBench's evaluation functions on real subtasks: each check fails on the untouched
testbed and passes once the tools (or a direct edit) do what the task asks."""

from __future__ import annotations

import openpyxl
import pytest

from acon.environment import Action
from environments.officebench.evaluate import contain_text, safe_lambda


def start(env, subtask_id: str):
    task = next(t for t in env.tasks("all") if t.id == subtask_id)
    env.reset(task)
    return env.ws


def act(env, name: str, **arguments) -> str:
    return env.step(Action(name, arguments)).observation


def checks(env) -> list[tuple[str, bool]]:
    return [(c["function"], c["passed"]) for c in env.evaluate().details["checks"]]


def test_contain_ics_calendar_event(env):
    start(env, "1-1-0")  # a meeting on Bob's calendar, 5/17/2024 10:30 to 11:00
    assert env.evaluate().score == 0.0
    obs = act(
        env,
        "calendar_create_event",
        user="Bob",
        summary="Meeting",
        time_start="2024-05-17 10:30:00",
        time_end="2024-05-17 11:00:00",
    )
    assert obs.startswith("Successfully")
    assert env.evaluate().score == 1.0


def test_contain_ics_rejects_wrong_time(env):
    start(env, "1-1-0")
    act(
        env,
        "calendar_create_event",
        user="Bob",
        summary="Meeting",
        time_start="2024-05-17 10:00:00",
        time_end="2024-05-17 11:00:00",
    )
    assert checks(env) == [("evaluate_contain", False)]


def test_excel_cell_value(env):
    start(env, "1-4-0")  # Bob's midterm1 score to 100: cell (12, 2)
    assert env.evaluate().score == 0.0
    act(
        env,
        "excel_set_cell",
        file_path="/testbed/data/score.xlsx",
        row_idx=12,
        column_idx=2,
        text="100",
    )
    assert env.evaluate().score == 1.0


def test_diff_contain_text_compares_with_the_starting_testbed(env):
    ws = start(env, "1-7-0")  # delete Alice's row from score.xlsx
    result = env.evaluate().details["checks"][0]
    assert not result["passed"] and "unchanged" in result["reason"]
    path = ws.root / "data" / "score.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.active
    row = next(c.row for c in sheet["A"] if c.value == "Alice")
    sheet.delete_rows(row)
    book.save(path)
    assert env.evaluate().score == 1.0


def test_calendar_no_overlap(env):
    start(env, "1-2-0")  # an hour-long meeting for Bob and Tom on 5/1/2024
    for user in ("Bob", "Tom"):  # 12:30 overlaps both lunches
        act(
            env,
            "calendar_create_event",
            user=user,
            summary="zoom meeting",
            time_start="2024-05-01 12:30:00",
            time_end="2024-05-01 13:30:00",
        )
    result = checks(env)
    assert result[:2] == [("evaluate_contain", True), ("evaluate_contain", True)]
    assert result[2:] == [("evaluate_calendar_no_overlap", False)] * 2
    for user in ("Bob", "Tom"):
        act(env, "calendar_delete_event", user=user, summary="zoom meeting")
        act(
            env,
            "calendar_create_event",
            user=user,
            summary="zoom meeting",
            time_start="2024-05-01 15:00:00",
            time_end="2024-05-01 16:00:00",
        )
    assert env.evaluate().score == 1.0


def test_file_exist_and_not_exist_through_the_shell(env):
    start(env, "1-3-3")  # delete file3.xlsx
    assert env.evaluate().score == 0.0
    out = act(env, "shell", command="rm /testbed/data/file3.xlsx && ls /testbed/data")
    assert "file3.xlsx" not in out.split("\n", 1)[1]
    assert env.evaluate().score == 1.0
    start(env, "1-3-2")  # duplicate the excel file as temp.xlsx (the original must stay)
    act(env, "shell", command="cd data")
    act(env, "shell", command="cp file3.xlsx temp.xlsx")
    assert env.evaluate().score == 1.0


def test_excel_cell_comparator(env):
    start(env, "1-6-0")  # header Class, each student in class 1..5
    act(
        env,
        "excel_set_cell",
        file_path="data/class_member.xlsx",
        row_idx=1,
        column_idx=2,
        text="Class",
    )
    for row in range(2, 7):
        act(
            env,
            "excel_set_cell",
            file_path="data/class_member.xlsx",
            row_idx=row,
            column_idx=2,
            text=str(row - 1),
        )
    assert env.evaluate().score == 1.0
    act(
        env, "excel_set_cell", file_path="data/class_member.xlsx", row_idx=4, column_idx=2, text="7"
    )
    assert checks(env) == [
        ("evaluate_excel_cell_value", True),
        ("evaluate_excel_cell_comparator", False),
    ]


def test_email_contain_after_send(env):
    start(env, "2-38-0")  # read a notification and email Alice about it
    assert env.evaluate().score == 0.0
    text = act(env, "word_read_file", file_path="/testbed/data/notification.docx")
    act(
        env,
        "email_send_email",
        sender="Jack",
        recipient="Alice",
        subject="notification",
        content=text,
    )
    listing = act(env, "email_list_emails", username="Alice")
    assert "notification.eml" in listing
    assert env.evaluate().score == 1.0


def test_answer_goes_to_answer_txt_and_not_contain(env):
    start(env, "1-20-0")  # Bob's emails of the last three months, as the answer
    assert env.step(
        Action("finish", {"answer": "Subject: scheduled meeting; Subject: application approved"})
    ).done
    assert env.evaluate().score == 1.0
    # not_contain is OfficeBench's `not contain`: it fails only when every keyword is there
    start(env, "1-20-0")
    env.step(
        Action(
            "finish",
            {
                "answer": "Subject: scheduled meeting, Subject: application "
                "approved, Subject: Reminder Rent due"
            },
        )
    )
    assert checks(env) == [("evaluate_contain", True), ("evaluate_not_contain", True)]
    start(env, "1-20-0")
    env.step(
        Action(
            "finish",
            {
                "answer": "Subject: scheduled meeting, Subject: application "
                "approved, Subject: Reminder Rent due, Your Project 2 has been "
                "graded."
            },
        )
    )
    assert checks(env) == [("evaluate_contain", True), ("evaluate_not_contain", False)]


def test_exact_match_xlsx_against_reference(env):
    ws = start(env, "1-14-1")  # swap midterm1 and midterm2 columns
    assert env.evaluate().score == 0.0
    path = ws.root / "data" / "score.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.active
    for row in sheet.iter_rows(min_row=1):
        row[1].value, row[2].value = row[2].value, row[1].value
    book.save(path)
    assert env.evaluate().score == 1.0


def test_contain_text_meaning():
    assert contain_text("Total: 1,389.99 USD", ["1389.99"])[0]  # numbers ignore commas
    assert contain_text("Hello World", ["hello", "WORLD"])[0]  # case-insensitive
    assert not contain_text("Hello", ["hello", "bye"])[0]


def test_comparator_is_whitelisted():
    assert safe_lambda("lambda x: x in ['1', '2']")("2")
    assert safe_lambda("lambda x: int(x) > 3 and x.isdigit()")("5")
    for bad in ("lambda x: __import__('os')", "lambda x: x.__class__", "print(1)"):
        with pytest.raises(ValueError):
            safe_lambda(bad)
