"""`acon-<verb> --help`: the verb's own description and the config groups a user picks
from, read from disk without importing the harness. Hydra's help lists the groups by
deep-copying every registered schema once per group (about 12 s here); `--hydra-help`
still shows Hydra's."""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
from pathlib import Path

from acon.paths import CONF_DIR

FLAGS = frozenset({"--help", "-h"})


def asked(argv: list[str]) -> bool:
    return bool(FLAGS & set(argv[1:]))


def groups(conf: Path = CONF_DIR) -> dict[str, list[str]]:
    """Each config group (a folder under conf/, Hydra's own left out) and its options."""
    found: dict[str, list[str]] = {}
    for option in sorted(conf.rglob("*.yaml")):
        group = option.parent.relative_to(conf).as_posix()
        if group != "." and group.split("/")[0] != "hydra":
            found.setdefault(group, []).append(option.stem)
    return found


def text(verb: str) -> str:
    spec = importlib.util.find_spec(f"acon.cli.{verb}")
    assert spec is not None and spec.origin is not None, verb
    doc = ast.get_docstring(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))) or ""
    listed = groups()
    width = max(len(g) for g in listed)
    lines = [
        doc.strip(),
        "",
        f"Usage: acon-{verb} [key=value ...] [group=option ...] [+experiment=preset] [-m] [-v]",
        "",
        "Config groups (group=option; experiment presets with +experiment=):",
        *(
            textwrap.fill(
                ", ".join(options),
                100,
                initial_indent=f"  {g.ljust(width)}  ",
                subsequent_indent=" " * (width + 4),
                break_on_hyphens=False,
            )
            for g, options in listed.items()
        ),
        "",
        "Every setting is a key=value override; `--cfg job` prints the whole config with its",
        "defaults (add `--resolve` to resolve it), dry_run=true prints the cost estimate only,",
        "-m runs a sweep (key=a,b), -v shows every library's log lines; --hydra-help: Hydra's.",
    ]
    return "\n".join(lines)


def show(verb: str) -> None:
    """Print the help and exit."""
    print(text(verb))
    sys.exit(0)
