"""OfficeBench's evaluation functions, with the benchmark's meaning.

A subtask passes when every check in its `evaluation` list passes (score 1, else 0), as in
OfficeBench's evaluation.py. Each check gets the workspace (the testbed as the episode left
it) and its `args`; it returns whether it passed and a short reason. A check that cannot
read what it needs (a missing file, a file of the wrong kind) fails, as an exception did
in the original.

`evaluate_not_contain` is the negation of `evaluate_contain`, as in the original: it fails
only when *every* keyword is present (one forbidden keyword alone still passes). Scores
stay comparable with published OfficeBench numbers that way.

Where the original's code did not do what it meant, the meaning is kept and the difference
is written here:
- contain/email: the mailbox is `emails/<username>`, or its lower-case name, or else the
  first folder whose name contains the user name (the original's fallback loop was broken).
- exact_match/pdf: the two PDFs' texts are compared (the original compared page objects
  of two readers, which never compare equal).
- calendar_no_overlap: an all-day event (a date) starts at midnight UTC; an event without
  DTEND ends when it starts (the original raised on both).
- excel_cell_comparator: the comparator string is evaluated by a small whitelist
  interpreter (comparisons, membership, literals, int/float/str/len and a few str methods),
  never by Python's eval.
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from environments.officebench import docs
from environments.officebench.workspace import Workspace


@dataclass(frozen=True)
class CheckResult:
    function: str
    passed: bool
    reason: str


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def contain_text(content: str, keywords: list[Any]) -> tuple[bool, str]:
    """Case-insensitive containment; a numeric keyword ignores thousands separators."""
    content = content.lower()
    for keyword in keywords:
        word = str(keyword).lower()
        if _is_number(word):
            content = content.replace(",", "")  # the original keeps this for later words too
        if word not in content:
            return False, f"{keyword!r} not found"
    return True, "all keywords found"


def _mailbox(ws: Workspace, username: str) -> Path | None:
    emails = ws.root / "emails"
    for name in (username, username.lower()):
        if (emails / name).is_dir():
            return emails / name
    for folder in sorted(emails.glob("*")) if emails.is_dir() else []:
        if folder.is_dir() and username.lower() in folder.name.lower():
            return folder
    return None


def evaluate_contain(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    if args["doc_type"] == "email":
        box = _mailbox(ws, args["username"])
        content = docs.list_emails(box, -1) if box else ""
        if content == "No emails found.":
            content = ""
        return contain_text(content, args["keywords"])
    path = ws.eval_path(args["file"])
    if not path.is_file():
        return False, f"{args['file']} does not exist"
    return contain_text(docs.document_text(path, args["doc_type"]), args["keywords"])


def evaluate_not_contain(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    found, reason = evaluate_contain(ws, args)
    return (not found), ("a keyword is present" if found else f"as required: {reason}")


def evaluate_file_exist(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    ok = ws.eval_path(args["file"]).exists()
    return ok, f"{args['file']} {'exists' if ok else 'does not exist'}"


def evaluate_file_not_exist(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    ok = not ws.eval_path(args["file"]).exists()
    return ok, f"{args['file']} {'does not exist' if ok else 'still exists'}"


def evaluate_diff_contain_text(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    """The file changed, and its unified diff (no context) contains every keyword."""
    kind = {"xlsx": "xlsx", "doc": "docx", "docx": "docx"}[args["doc_type"]]
    before = docs.document_text(ws.eval_path(args["input_file"]), kind)
    after_path = ws.eval_path(args["output_file"])
    if not after_path.is_file():
        return False, f"{args['output_file']} does not exist"
    after = docs.document_text(after_path, kind)
    if before == after:
        return False, "the file is unchanged"
    diff = "\n".join(difflib.unified_diff(before.split("\n"), after.split("\n"), n=0))
    for keyword in args["keywords"]:
        if keyword not in diff:
            return False, f"{keyword!r} not in the diff"
    return True, "the diff has every keyword"


def evaluate_excel_cell_value(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    if "file" not in args:
        return False, "the check names no file (a defect in the task data)"
    path = ws.eval_path(args["file"])
    if not path.is_file():
        return False, f"{args['file']} does not exist"
    content = docs.excel_text(path)
    for match in args["matches"]:
        if f"({match['row']}, {match['col']}): {match['value']}" not in content:
            return False, f"cell ({match['row']}, {match['col']}) is not {match['value']!r}"
    return True, "every cell matches"


def evaluate_excel_cell_comparator(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    path = ws.eval_path(args["file"])
    if not path.is_file():
        return False, f"{args['file']} does not exist"
    content = docs.excel_text(path)
    for match in args["matches"]:
        found = re.search(rf"\({match['row']}, {match['col']}\): (\w+)\t", content)
        if not found or not safe_lambda(match["comparator"])(found.group(1)):
            return False, f"cell ({match['row']}, {match['col']}) fails {match['comparator']}"
    return True, "every cell passes its comparator"


def _as_utc(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):  # an all-day event: a date
        value = dt.datetime.combine(value, dt.time())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def evaluate_calendar_no_overlap(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    import icalendar

    path = ws.root / "calendar" / f"{args['username']}.ics"
    if not path.is_file():
        return False, f"calendar/{args['username']}.ics does not exist"
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    spans = []
    for event in calendar.walk("VEVENT"):
        start = _as_utc(event.get("dtstart").dt)
        end = _as_utc(event.get("dtend").dt) if event.get("dtend") else start
        spans.append((start, end, str(event.get("summary"))))
    spans.sort(key=lambda s: s[0])
    for (_, end, name), (start, _, other) in zip(spans, spans[1:], strict=False):
        if end > start:
            return False, f"events {name!r} and {other!r} overlap"
    return True, f"no overlap among {len(spans)} events"


def evaluate_exact_match(ws: Workspace, args: dict[str, Any]) -> tuple[bool, str]:
    result = ws.eval_path(args["result_file"])
    if not result.is_file():
        return False, f"{args['result_file']} does not exist"
    expected = ws.eval_path(args["expected_file"])
    if not expected.is_file():
        return False, f"the expected file {args['expected_file']} is missing from the data"
    if args["doc_type"] == "xlsx":
        return _same_sheet(result, expected)
    same = docs.document_text(result, args["doc_type"]) == docs.document_text(
        expected, args["doc_type"]
    )
    return same, "the contents match" if same else "the contents differ"


def _same_sheet(result: Path, expected: Path) -> tuple[bool, str]:
    import openpyxl

    got = openpyxl.load_workbook(result).active
    want = openpyxl.load_workbook(expected).active
    for one, other in ((got, want), (want, got)):
        for row in one.iter_rows():
            for cell in row:
                if cell.value != other.cell(row=cell.row, column=cell.column).value:
                    r, c = cell.row, cell.column
                    return False, (
                        f"cell ({r}, {c}): {got.cell(r, c).value!r} != "
                        f"expected {want.cell(r, c).value!r}"
                    )
    return True, "every cell matches"


EVALUATORS: dict[str, Callable[[Workspace, dict[str, Any]], tuple[bool, str]]] = {
    "evaluate_contain": evaluate_contain,
    "evaluate_not_contain": evaluate_not_contain,
    "evaluate_file_exist": evaluate_file_exist,
    "evaluate_file_not_exist": evaluate_file_not_exist,
    "evaluate_diff_contain_text": evaluate_diff_contain_text,
    "evaluate_excel_cell_value": evaluate_excel_cell_value,
    "evaluate_excel_cell_comparator": evaluate_excel_cell_comparator,
    "evaluate_calendar_no_overlap": evaluate_calendar_no_overlap,
    "evaluate_exact_match": evaluate_exact_match,
}


def run_check(ws: Workspace, check: dict[str, Any]) -> CheckResult:
    name = check["function"]
    try:
        passed, reason = EVALUATORS[name](ws, check["args"])
    except Exception as exc:  # unreadable or wrong-kind file: the check fails
        passed, reason = False, f"error: {type(exc).__name__}: {exc}"
    return CheckResult(name, passed, reason)


def evaluate_checks(ws: Workspace, checks: list[dict[str, Any]]) -> list[CheckResult]:
    return [run_check(ws, check) for check in checks]


# -- the comparator's tiny language ----------------------------------------------------
_NODES = (
    ast.Expression,
    ast.Lambda,
    ast.arguments,
    ast.arg,
    ast.Compare,
    ast.BoolOp,
    ast.UnaryOp,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Name,
    ast.Load,
    ast.Call,
    ast.Attribute,
    ast.In,
    ast.NotIn,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
)
_FUNCS = {"int": int, "float": float, "str": str, "len": len}
_METHODS = {"isdigit", "isnumeric", "lower", "upper", "strip"}


def safe_lambda(source: str) -> Callable[[Any], Any]:
    """A one-argument lambda from the task data, checked against a whitelist first."""
    tree = ast.parse(source.strip(), mode="eval")
    if not isinstance(tree.body, ast.Lambda) or len(tree.body.args.args) != 1:
        raise ValueError(f"not a one-argument lambda: {source}")
    arg = tree.body.args.args[0].arg
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ValueError(f"{type(node).__name__} is not allowed in a comparator")
        if isinstance(node, ast.Name) and node.id not in _FUNCS and node.id != arg:
            raise ValueError(f"name {node.id!r} is not allowed in a comparator")
        if isinstance(node, ast.Attribute) and node.attr not in _METHODS:
            raise ValueError(f"method {node.attr!r} is not allowed in a comparator")
    code = compile(tree, "<comparator>", "eval")
    return eval(code, {"__builtins__": {}, **_FUNCS})  # noqa: S307 - whitelisted above
