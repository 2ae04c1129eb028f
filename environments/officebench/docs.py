"""Reading office documents as text, in the formats OfficeBench's apps and checks use.

The evaluators match keywords against exactly these texts (e.g. an Excel cell reads
`(row, col): value` and an empty one `[Empty Cell]`), so tools and checks share them.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path


def excel_text(path: Path, sheet: str | None = None) -> str:
    """Every cell of a sheet (the active one by default) as `(row, col): value\\t`, a row a line."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    ws = book.active if sheet is None else book[sheet]
    lines = []
    for row in ws.iter_rows():
        cells = []
        for cell in row:
            value = "[Empty Cell]" if cell.value is None else cell.value
            cells.append(f"({cell.row}, {cell.column}): {value}\t")
        lines.append("".join(cells))
    return "".join(line + "\n" for line in lines)


def word_text(path: Path) -> str:
    """The paragraphs of a .docx file, one a line."""
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def pdf_text(path: Path) -> str:
    """The text layer of every page, concatenated (empty for a scanned PDF)."""
    from pypdf import PdfReader

    return "".join(page.extract_text() or "" for page in PdfReader(path).pages)


def plain_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def read_email(path: Path) -> EmailMessage:
    with path.open("rb") as f:
        return BytesParser(policy=policy.default).parse(f)  # type: ignore[return-value]


def email_body(msg: EmailMessage) -> str:
    """The text/plain and text/html parts (attachments are not read)."""
    parts = msg.iter_parts() if msg.is_multipart() else [msg]
    texts = []
    for part in parts:
        if part.get_content_type() in ("text/plain", "text/html"):
            payload = part.get_payload(decode=True) or b""
            assert isinstance(payload, bytes)  # decode=True: a leaf part's bytes
            texts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
    return "\n".join(texts)


def list_emails(mailbox: Path, first_n_letters: int = 20) -> str:
    """A listing of a mailbox folder; bodies cut to `first_n_letters` (-1: whole)."""
    out = []
    for path in sorted(mailbox.glob("*.eml")):
        msg = read_email(path)
        body = email_body(msg)
        content = body if first_n_letters == -1 else body[:first_n_letters] + "..."
        out.append(
            f"Email ID: {path.name}\nFrom: {msg['From']}\nTo: {msg['To']}\n"
            f"Subject: {msg['Subject']}\nContent: {content}\n" + "-" * 50 + "\n"
        )
    return "".join(out) or "No emails found."


def document_text(path: Path, doc_type: str) -> str:
    """A file's text by the benchmark's doc_type (xlsx, docx/doc, pdf, txt, ics)."""
    readers = {
        "xlsx": excel_text,
        "docx": word_text,
        "doc": word_text,
        "pdf": pdf_text,
        "txt": plain_text,
        "ics": plain_text,
    }
    if doc_type not in readers:
        raise ValueError(f"unknown doc_type {doc_type!r}")
    return readers[doc_type](path)
