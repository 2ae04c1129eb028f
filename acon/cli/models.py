"""`acon-models fetch [NAME ...]`: assemble and verify local models ahead of a run
(`acon-models path NAME` prints where one is)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from acon.composition import compose
from acon.errors import AconError
from acon.llm.models import served_files


def main(argv: list[str] | None = None) -> int:
    """`acon-models fetch [NAME ...]`: assemble and verify local models ahead of a run."""
    parser = argparse.ArgumentParser(prog="acon-models", description=main.__doc__)
    parser.add_argument("command", choices=["fetch", "path"])
    parser.add_argument("names", nargs="*", help="models to fetch (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cfg = compose()
    names = args.names or list(cfg.local_models)
    models_dir = Path(cfg.paths.models_dir)
    try:
        for name in names:
            path, _ = served_files(cfg.local_models, name, models_dir)
            print(path if args.command == "path" else f"{name}: {path} (sha256 verified)")
    except AconError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
