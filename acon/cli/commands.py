"""The installed commands (`acon-<verb>`, pyproject.toml's scripts). `--help` is answered
here, before the harness and its libraries are imported (acon.cli.usage); anything else
imports the verb's module and runs it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

from acon.cli import usage


def command(verb: str) -> Callable[[], object]:
    def run() -> object:
        if usage.asked(sys.argv):
            usage.show(verb)
        return importlib.import_module(f"acon.cli.{verb}").main()

    run.__name__ = run.__qualname__ = verb
    return run


main = command("main")
check = command("check")
rollout = command("rollout")
optimize = command("optimize")
report = command("report")
export = command("export")
distill = command("distill")
compile = command("compile")
