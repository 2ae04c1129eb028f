"""Progress people can read: live tqdm bars for long work on a terminal; in a CI log or a
redirected file each finished item is its own log line instead (no carriage returns), and
the run folder's log file keeps every line either way.

Third-party libraries' routine lines (one per HTTP request, index building, ...) stay out
of the console unless asked for (`-v`); warnings and errors always show.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

OWN_LOGGERS = ("acon", "environments", "benchmarks", "__main__")
VERBOSE_ENV = "ACON_VERBOSE"  # set by `-v`; inherited by a sweep's jobs


def live() -> bool:
    """Whether bars are drawn: stderr is a terminal."""
    return sys.stderr.isatty()


def bar(total: int, desc: str, unit: str = "task") -> tqdm:
    """A bar on a terminal, a silent counter otherwise."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not live(),
        leave=False,
        dynamic_ncols=True,
        file=sys.stderr,
    )


@contextlib.contextmanager
def logs_above_bars() -> Iterator[None]:
    """Console log lines printed above the bars instead of through them."""
    if not live():
        yield
        return
    with logging_redirect_tqdm(loggers=[logging.getLogger()]):
        yield


class QuietThirdParty(logging.Filter):
    """On the console: other libraries' records below WARNING are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".")[0] in OWN_LOGGERS


def quiet_console() -> None:
    """Apply QuietThirdParty to the root logger's console handlers (not its log file),
    unless `-v` asked for everything."""
    if os.environ.get(VERBOSE_ENV):
        return
    for handler in logging.getLogger().handlers:
        if (
            isinstance(handler, logging.StreamHandler)
            and not isinstance(handler, logging.FileHandler)
            and not any(isinstance(f, QuietThirdParty) for f in handler.filters)
        ):
            handler.addFilter(QuietThirdParty())
