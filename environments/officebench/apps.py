"""OfficeBench's office apps as Python tools over the workspace.

Each tool takes the workspace and its JSON arguments and returns a text observation. Paths
are read as paths in the benchmark's container (`/testbed/...`, see workspace.py). The apps
follow OfficeBench's (names, arguments, behaviour); conversions that OfficeBench did with
LibreOffice or PyMuPDF are done in Python here (text and tables, not layout): Word/Excel
to PDF with reportlab, PDF to image with pdfium, PDF to Word through the text layer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from acon.environment import Tool
from environments.officebench import docs
from environments.officebench.workspace import PathError, Workspace

TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


class ToolError(ValueError):
    """A failed action; the message is the observation."""


@dataclass(frozen=True)
class ShellConfig:
    timeout_s: float = 20.0
    isolate_network: bool = True  # run under `unshare -rn` where the kernel allows it
    max_output_chars: int = 20000


def _str(args: dict[str, Any], key: str) -> str:
    if key not in args or args[key] is None:
        raise ToolError(f"missing argument {key!r}")
    value = args[key]
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _int(args: dict[str, Any], key: str) -> int:
    try:
        return int(str(args.get(key)).strip())
    except ValueError as exc:
        raise ToolError(f"{key} must be a whole number (index starts from 1)") from exc


def _existing(ws: Workspace, path: str) -> Path:
    target = ws.resolve(path)
    if not target.is_file():
        raise ToolError(f"The file {ws.show(target)} does not exist.")
    return target


def _new(ws: Workspace, path: str) -> Path:
    target = ws.resolve(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _cell_value(text: str) -> Any:
    """A number where the text is one (as OfficeBench's command line parsed it), else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


# -- Excel ------------------------------------------------------------------------------
def excel_read_file(ws: Workspace, args: dict[str, Any]) -> str:
    path = _existing(ws, _str(args, "file_path"))
    sheet = args.get("sheet_name") or None
    return "The following is the table from the excel file:\n" + docs.excel_text(path, sheet)


def excel_set_cell(ws: Workspace, args: dict[str, Any]) -> str:
    import openpyxl

    path = _existing(ws, _str(args, "file_path"))
    row, col = _int(args, "row_idx"), _int(args, "column_idx")
    if row < 1 or col < 1:
        raise ToolError("row_idx and column_idx start from 1")
    book = openpyxl.load_workbook(path)
    sheet_name = args.get("sheet_name")
    if sheet_name:
        sheet = book[sheet_name] if sheet_name in book else book.create_sheet(sheet_name)
    else:
        sheet = book.active
    sheet.cell(row=row, column=col, value=_cell_value(_str(args, "text")))
    book.save(path)
    return f"Successfully wrote text to {ws.show(path)}"


def excel_delete_cell(ws: Workspace, args: dict[str, Any]) -> str:
    import openpyxl

    path = _existing(ws, _str(args, "file_path"))
    book = openpyxl.load_workbook(path)
    book.active.cell(row=_int(args, "row_idx"), column=_int(args, "column_idx"), value=None)
    book.save(path)
    return f"Successfully deleted the cell in {ws.show(path)}"


def excel_create_new_file(ws: Workspace, args: dict[str, Any]) -> str:
    import openpyxl

    path = _new(ws, _str(args, "file_path"))
    if path.exists():
        raise ToolError(f"The file {ws.show(path)} already exists.")
    openpyxl.Workbook().save(path)
    return f"Successfully created {ws.show(path)}"


def excel_convert_to_pdf(ws: Workspace, args: dict[str, Any]) -> str:
    import openpyxl

    src = _existing(ws, _str(args, "excel_file_path"))
    dst = _new(ws, _str(args, "pdf_file_path"))
    # Show what Excel showed: the value last computed for a formula, where the file has one.
    formulas = openpyxl.load_workbook(src).active.iter_rows(values_only=True)
    values = openpyxl.load_workbook(src, data_only=True).active.iter_rows(values_only=True)
    rows = [
        [
            "" if (v if v is not None else f) is None else str(v if v is not None else f)
            for f, v in zip(frow, vrow, strict=False)
        ]
        for frow, vrow in zip(formulas, values, strict=False)
    ]
    _write_pdf(dst, [], table=rows)
    return f"Successfully converted {ws.show(src)} to {ws.show(dst)}"


# -- Word -------------------------------------------------------------------------------
def word_read_file(ws: Workspace, args: dict[str, Any]) -> str:
    path = _existing(ws, _str(args, "file_path"))
    return "The following is the content from the word file:\n" + docs.word_text(path)


def word_create_new_file(ws: Workspace, args: dict[str, Any]) -> str:
    from docx import Document

    path = _new(ws, _str(args, "file_path"))
    if path.exists():
        raise ToolError(f"The file {ws.show(path)} already exists.")
    Document().save(str(path))
    return f"Successfully created {ws.show(path)}"


def word_write_to_file(ws: Workspace, args: dict[str, Any]) -> str:
    """Append a paragraph (a new file is created first, unlike the original's error)."""
    from docx import Document

    path = _new(ws, _str(args, "file_path"))
    document = Document(str(path)) if path.exists() else Document()
    document.add_paragraph(_str(args, "contents"))
    document.save(str(path))
    return f"Successfully wrote contents to {ws.show(path)}"


def word_convert_to_pdf(ws: Workspace, args: dict[str, Any]) -> str:
    src = _existing(ws, _str(args, "word_file_path"))
    dst = _new(ws, _str(args, "pdf_file_path"))
    _write_pdf(dst, docs.word_text(src).split("\n"))
    return f"Successfully converted {ws.show(src)} to {ws.show(dst)}"


# -- PDF --------------------------------------------------------------------------------
def pdf_read_file(ws: Workspace, args: dict[str, Any]) -> str:
    path = _existing(ws, _str(args, "pdf_file_path"))
    text = docs.pdf_text(path)
    if not text.strip():
        return (
            f"{ws.show(path)} has no text layer (a scanned PDF): read it with ocr_recognize_file."
        )
    return text


def pdf_create_file(ws: Workspace, args: dict[str, Any]) -> str:
    path = _new(ws, _str(args, "pdf_file_path"))
    _write_pdf(path, _str(args, "contents").split("\n"))
    return f"Successfully created {ws.show(path)}"


def pdf_convert_to_word(ws: Workspace, args: dict[str, Any]) -> str:
    from docx import Document

    src = _existing(ws, _str(args, "pdf_file_path"))
    dst = _new(ws, _str(args, "word_file_path"))
    document = Document()
    for line in docs.pdf_text(src).split("\n"):
        document.add_paragraph(line)
    document.save(str(dst))
    return f"Successfully converted {ws.show(src)} to {ws.show(dst)}"


def pdf_convert_to_image(ws: Workspace, args: dict[str, Any]) -> str:
    src = _existing(ws, _str(args, "pdf_file_path"))
    dst = _new(ws, _str(args, "image_file_path"))
    _render_page(src).convert("RGB").save(dst)
    return f"Successfully converted the first page of {ws.show(src)} to {ws.show(dst)}"


def image_convert_to_pdf(ws: Workspace, args: dict[str, Any]) -> str:
    from PIL import Image

    src = _existing(ws, _str(args, "image_file_path"))
    dst = _new(ws, _str(args, "pdf_file_path"))
    Image.open(src).convert("RGB").save(dst, "PDF")
    return f"Successfully converted {ws.show(src)} to {ws.show(dst)}"


def _render_page(path: Path, index: int = 0, scale: float = 2.0) -> Any:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return pdf[index].render(scale=scale).to_pil()
    finally:
        pdf.close()


def _write_pdf(path: Path, lines: list[str], table: list[list[str]] | None = None) -> None:
    """A plain A4 PDF of text lines or a table (Helvetica: non-Latin-1 characters become '?')."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    def latin1(text: str) -> str:
        return text.encode("latin-1", "replace").decode("latin-1")

    style = getSampleStyleSheet()["Normal"]
    story: list[Any] = [
        Paragraph(escape(latin1(line)), style) if line.strip() else Spacer(1, 8) for line in lines
    ]
    if table:
        width = max(len(r) for r in table)
        data = [[latin1(c) for c in r] + [""] * (width - len(r)) for r in table]
        grid = Table(data)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
        story.append(grid)
    SimpleDocTemplate(str(path), pagesize=A4).build(story or [Spacer(1, 8)])


# -- OCR --------------------------------------------------------------------------------
def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_recognize_file(ws: Workspace, args: dict[str, Any]) -> str:
    if not tesseract_available():
        raise ToolError("OCR is not available here (tesseract-ocr is not installed).")
    path = _existing(ws, _str(args, "file_path"))
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        pages = len(pdf)
        pdf.close()
        text = "\n".join(_tesseract(_render_page(path, i)) for i in range(pages))
    else:
        from PIL import Image

        text = _tesseract(Image.open(path))
    if not text.strip():
        raise ToolError(f"Failed to recognize text from {ws.show(path)}")
    return f"The text from {ws.show(path)} is:\n{text.strip()}"


def _tesseract(image: Any) -> str:
    import io

    buf = io.BytesIO()
    image.convert("RGB").save(buf, "PNG")
    done = subprocess.run(
        ["tesseract", "stdin", "stdout"], input=buf.getvalue(), capture_output=True, timeout=120
    )
    return done.stdout.decode("utf-8", errors="replace")


# -- Calendar ---------------------------------------------------------------------------
def _calendar_file(ws: Workspace, user: str) -> Path:
    name = user.strip()
    if not name or "/" in name or name.startswith("."):
        raise ToolError(f"invalid user name {user!r}")
    return ws.root / "calendar" / f"{name}.ics"


def _parse_time(text: str) -> dt.datetime:
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            pass
    raise ToolError(f"time {text!r} must look like 2024-05-17 10:30:00 (%Y-%m-%d %H:%M:%S)")


def _load_calendar(path: Path) -> Any:
    import icalendar

    if path.exists():
        return icalendar.Calendar.from_ical(path.read_bytes())
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//My Calendar Product//mxm.dk//")
    calendar.add("version", "2.0")
    return calendar


def calendar_create_event(ws: Workspace, args: dict[str, Any]) -> str:
    import icalendar

    user = _str(args, "user")
    path = _calendar_file(ws, user)
    calendar = _load_calendar(path)
    event = icalendar.Event()
    event.add("summary", _str(args, "summary"))
    event.add("dtstart", _parse_time(_str(args, "time_start")))
    event.add("dtend", _parse_time(_str(args, "time_end")))
    event.add("dtstamp", dt.datetime.now())
    event.add("description", "This is a test event")
    event.add("location", "Online")
    calendar.add_component(event)
    path.write_bytes(calendar.to_ical())
    return f"Successfully created a new event in {user}'s calendar."


def calendar_delete_event(ws: Workspace, args: dict[str, Any]) -> str:
    user, summary = _str(args, "user"), _str(args, "summary")
    path = _calendar_file(ws, user)
    if not path.exists():
        raise ToolError(f"{user} has no calendar.")
    calendar = _load_calendar(path)
    for event in calendar.walk("VEVENT"):
        if str(event.get("summary")) == summary:
            calendar.subcomponents.remove(event)
            path.write_bytes(calendar.to_ical())
            return f"Successfully deleted the event {summary!r} from {user}'s calendar."
    raise ToolError(f"No event named {summary!r} in {user}'s calendar.")


def calendar_list_events(ws: Workspace, args: dict[str, Any]) -> str:
    user = _str(args, "username")
    path = _calendar_file(ws, user)
    lines = []
    for event in _load_calendar(path).walk("VEVENT"):
        times = [event.get(k) for k in ("dtstart", "dtend")]
        start, end = (t.dt.strftime("%Y-%m-%d %H:%M:%S") if t else None for t in times)
        lines.append(
            f"Summary: {event.get('summary')}\nStart Time: {start}\nEnd Time: {end}\n"
            f"Description: {event.get('description')}\nLocation: {event.get('location')}\n"
            + "-"
            * 50
        )
    if not lines:
        return f"No events found for {user}."
    return f"Events in {user}'s calendar:\n" + "\n".join(lines)


# -- Email ------------------------------------------------------------------------------
def _mailbox(ws: Workspace, user: str) -> Path:
    name = user.split("@")[0].strip()
    if not name or "/" in name or name.startswith("."):
        raise ToolError(f"invalid user name {user!r}")
    return ws.root / "emails" / name


def email_list_emails(ws: Workspace, args: dict[str, Any]) -> str:
    user = _str(args, "username")
    box = _mailbox(ws, user)
    listing = docs.list_emails(box) if box.is_dir() else "No emails found."
    if listing == "No emails found.":
        return f"No emails found for {user}."
    return f"Emails of {user}:\n{listing}"


def email_read_email(ws: Workspace, args: dict[str, Any]) -> str:
    user, email_id = _str(args, "username"), _str(args, "email_id")
    name = email_id if email_id.endswith(".eml") else email_id + ".eml"
    path = _mailbox(ws, user) / name
    if "/" in name or not path.is_file():
        raise ToolError(f"No email {email_id!r} for {user}; list them with email_list_emails.")
    msg = docs.read_email(path)
    return (
        f"From: {msg['From']}\nTo: {msg['To']}\nSubject: {msg['Subject']}\n"
        f"Date: {msg['Date']}\nContent: {docs.email_body(msg)}"
    )


def email_send_email(ws: Workspace, args: dict[str, Any]) -> str:
    """Write the message as <subject>.eml into the recipient's and the sender's mailbox."""
    sender, recipient = _mailbox(ws, _str(args, "sender")), _mailbox(ws, _str(args, "recipient"))
    subject = _str(args, "subject")
    msg = EmailMessage()
    msg["From"] = f"{sender.name}@example.com"
    msg["To"] = f"{recipient.name}@example.com"
    msg["Subject"] = subject
    msg.set_content(_str(args, "content"))
    filename = subject.replace("/", "_").strip() or "no subject"
    for box in (recipient, sender):
        box.mkdir(parents=True, exist_ok=True)
        (box / f"{filename}.eml").write_text(msg.as_string(), encoding="utf-8")
    return f"Successfully sent the email to {recipient.name}."


# -- Shell ------------------------------------------------------------------------------
def _network_isolation() -> list[str]:
    try:
        ok = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return ["unshare", "-rn"] if ok.returncode == 0 else []


class Shell:
    """Runs bash commands in the workspace, with a time limit and (where possible) no network.

    `/testbed` in a command means the workspace; a leading `cd DIR` changes the directory
    later commands start in, as OfficeBench's shell app did.
    """

    def __init__(self, config: ShellConfig):
        self.config = config
        self.prefix = _network_isolation() if config.isolate_network else []

    def __call__(self, ws: Workspace, args: dict[str, Any], cwd: Path) -> tuple[str, Path]:
        command = _str(args, "command").strip()
        if command.startswith("cd ") and not any(c in command for c in ";&|"):
            target = (
                ws.resolve(command[3:].strip())
                if command[3:].strip().startswith("/")
                else ((cwd / command[3:].strip()).resolve())
            )
            if target != ws.root and ws.root not in target.parents:
                raise ToolError(f"cd: {command[3:].strip()} is outside /testbed")
            if not target.is_dir():
                raise ToolError(f"cd: {command[3:].strip()}: No such directory")
            return f"Now in {ws.show(target)}", target
        real = command.replace("/testbed", str(ws.root))
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(ws.root), "LANG": "C.UTF-8"}
        # Its own process group, so a time-out also ends what the command left running.
        proc = subprocess.Popen(
            [*self.prefix, "bash", "-c", real],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            stdout, _ = proc.communicate(timeout=self.config.timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return f"The command timed out after {self.config.timeout_s:g} s.", cwd
        out = ws.hide(stdout.decode("utf-8", errors="replace"))[: self.config.max_output_chars]
        status = "" if proc.returncode == 0 else f" (exit code {proc.returncode})"
        return f"Executed{status}: {command}\n{out}".rstrip(), cwd


# -- The tool table ---------------------------------------------------------------------
def _prop(spec: str) -> dict[str, str]:
    """'type: description' (or just 'type') as a JSON-schema property."""
    kind, _, description = spec.partition(":")
    return {"type": kind.strip(), **({"description": description.strip()} if description else {})}


def _obj(props: dict[str, str], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: _prop(spec) for name, spec in props.items()},
        "required": list(props) if required is None else required,
    }


PATH = "string: a path under /testbed, e.g. /testbed/data/file"
SPECS: dict[str, tuple[str, dict[str, Any], Callable[[Workspace, dict[str, Any]], str]]] = {
    "excel_read_file": (
        "Read an Excel file: every cell as (row, col): value.",
        _obj({"file_path": PATH}),
        excel_read_file,
    ),
    "excel_set_cell": (
        "Write text to one cell of an existing Excel file (row and column start from 1).",
        _obj(
            {
                "file_path": PATH,
                "row_idx": "integer: row, from 1",
                "column_idx": "integer: column, from 1",
                "text": "string: the cell's new value",
            }
        ),
        excel_set_cell,
    ),
    "excel_delete_cell": (
        "Empty one cell of an Excel file.",
        _obj(
            {
                "file_path": PATH,
                "row_idx": "integer: row, from 1",
                "column_idx": "integer: column, from 1",
            }
        ),
        excel_delete_cell,
    ),
    "excel_create_new_file": (
        "Create a new empty Excel file.",
        _obj({"file_path": PATH}),
        excel_create_new_file,
    ),
    "excel_convert_to_pdf": (
        "Convert an Excel file to a PDF file.",
        _obj({"excel_file_path": PATH, "pdf_file_path": PATH}),
        excel_convert_to_pdf,
    ),
    "word_read_file": ("Read a Word (.docx) file.", _obj({"file_path": PATH}), word_read_file),
    "word_create_new_file": (
        "Create a new empty Word file.",
        _obj({"file_path": PATH}),
        word_create_new_file,
    ),
    "word_write_to_file": (
        "Append text as a new paragraph to a Word file (created if missing).",
        _obj({"file_path": PATH, "contents": "string: the text to append"}),
        word_write_to_file,
    ),
    "word_convert_to_pdf": (
        "Convert a Word file to a PDF file.",
        _obj({"word_file_path": PATH, "pdf_file_path": PATH}),
        word_convert_to_pdf,
    ),
    "pdf_read_file": ("Read the text of a PDF file.", _obj({"pdf_file_path": PATH}), pdf_read_file),
    "pdf_create_file": (
        "Create a PDF file holding the given text.",
        _obj({"pdf_file_path": PATH, "contents": "string: the text"}),
        pdf_create_file,
    ),
    "pdf_convert_to_word": (
        "Convert a PDF file to a Word file (its text).",
        _obj({"pdf_file_path": PATH, "word_file_path": PATH}),
        pdf_convert_to_word,
    ),
    "pdf_convert_to_image": (
        "Save the first page of a PDF file as an image (.png or .jpg).",
        _obj({"pdf_file_path": PATH, "image_file_path": PATH}),
        pdf_convert_to_image,
    ),
    "image_convert_to_pdf": (
        "Convert an image file to a PDF file.",
        _obj({"image_file_path": PATH, "pdf_file_path": PATH}),
        image_convert_to_pdf,
    ),
    "ocr_recognize_file": (
        "Recognize the text in an image file or a scanned PDF (OCR).",
        _obj({"file_path": PATH}),
        ocr_recognize_file,
    ),
    "calendar_create_event": (
        "Add an event to a user's calendar; times as YYYY-MM-DD HH:MM:SS.",
        _obj(
            {
                "user": "string: the user name",
                "summary": "string: the event title",
                "time_start": "string: e.g. 2024-05-17 10:30:00",
                "time_end": "string: e.g. 2024-05-17 11:00:00",
            }
        ),
        calendar_create_event,
    ),
    "calendar_delete_event": (
        "Delete the event with this summary from a user's calendar.",
        _obj({"user": "string: the user name", "summary": "string: the event title"}),
        calendar_delete_event,
    ),
    "calendar_list_events": (
        "List all events in a user's calendar.",
        _obj({"username": "string: the user name"}),
        calendar_list_events,
    ),
    "email_list_emails": (
        "List a user's emails (id, from, to, subject, first words).",
        _obj({"username": "string: the user name"}),
        email_list_emails,
    ),
    "email_read_email": (
        "Read one of a user's emails by its Email ID.",
        _obj({"username": "string: the user name", "email_id": "string: the Email ID"}),
        email_read_email,
    ),
    "email_send_email": (
        "Send an email from one user to one recipient.",
        _obj(
            {
                "sender": "string: the sender's user name",
                "recipient": "string: the recipient's user name",
                "subject": "string",
                "content": "string",
            }
        ),
        email_send_email,
    ),
}
SHELL_TOOL = Tool(
    "shell",
    "Run a bash command in /testbed (ls, cat, cp, mv, mkdir, rm, python3 ...). No network.",
    _obj({"command": "string: the bash command"}),
)
FINISH_TOOL = Tool(
    "finish",
    "End the task. If the task asks a question, give the answer (it is saved to "
    "/testbed/data/answer.txt); otherwise answer 'None'.",
    _obj({"answer": "string: the answer, or None"}),
)


def office_tools() -> list[Tool]:
    return [Tool(name, desc, params) for name, (desc, params, _) in SPECS.items()]


def run_app(name: str, ws: Workspace, args: dict[str, Any]) -> str:
    try:
        return SPECS[name][2](ws, args)
    except (ToolError, PathError) as exc:
        return f"Failed: {exc}"
    except Exception as exc:  # a broken or wrong-kind file: tell the agent, keep the episode
        return f"Failed: {type(exc).__name__}: {ws.hide(str(exc))}"
