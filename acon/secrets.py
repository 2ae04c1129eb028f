"""Keep secrets out of logs, saved configs and tracking.

Keys only ever come from environment variables named by `llm.<role>.api_key_env`; the
values of those variables, and anything shaped like a provider key, are masked in every
log record and scrubbed from files the run writes (Hydra's saved overrides included).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

MASK = "***"
KEY_SHAPED = re.compile(r"\b(sk-[A-Za-z0-9_\-]{16,}|Bearer\s+[A-Za-z0-9_\-\.]{16,})")
_SECRET_NAME = re.compile(r"(^|[_\-.])(api_key|apikey|secret|password|token|authorization)$", re.I)


def secret_values(llm_cfg: Mapping[str, Any] | None) -> set[str]:
    """The values of every environment variable a role reads its key from."""
    names: set[str] = set()
    for node in (llm_cfg or {}).values():
        if isinstance(node, Mapping) or hasattr(node, "get"):
            name = node.get("api_key_env") if hasattr(node, "get") else None
            if name:
                names.add(str(name))
    return {v for n in names if len(v := os.environ.get(n, "")) >= 4}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return KEY_SHAPED.sub(MASK, text)


def redact_mapping(data: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of nested dicts/lists with secret-named fields and secret values masked."""
    secrets = set(secrets)
    if isinstance(data, Mapping):
        return {
            k: MASK if _SECRET_NAME.search(str(k)) and data[k] else redact_mapping(v, secrets)
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact_mapping(v, secrets) for v in data]
    if isinstance(data, str):
        return redact(data, secrets)
    return data


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's final message (arguments included)."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = set(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
            record.exc_info = None
        return True


def install_log_redaction(secrets: Iterable[str] = ()) -> RedactingFilter:
    """Add one redacting filter to every handler of the root logger."""
    filt = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(filt)
    return filt


def scrub_files(folder: Path, secrets: Iterable[str]) -> None:
    """Rewrite text files under `folder` (e.g. Hydra's `.hydra/`) without the secrets."""
    secrets = set(secrets)
    for path in folder.rglob("*.yaml") if folder.is_dir() else ():
        text = path.read_text(errors="replace")
        cleaned = redact(text, secrets)
        if cleaned != text:
            path.write_text(cleaned)
