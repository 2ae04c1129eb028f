"""`acon-export`: write an optimized guideline as text, template and JSON with lineage.

acon-export export.dir=runs/<run>/guidelines export.name=acon-opt export.version=best
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acon.cli.entry import hydra_app, run_verb
from acon.compression.guidelines import load_guideline
from acon.export import export_guideline


def run(cfg: Any, run_dir: Path) -> list[Path]:
    e = cfg.export
    guideline = load_guideline(e.kind, e.name, e.version, e.dir)
    written = export_guideline(guideline, e.out)
    print(f"{e.kind} guideline {guideline.name} v{guideline.version}:")
    print("\n".join(f"  {p}" for p in written))
    return written


@hydra_app
def main(cfg: Any) -> None:
    run_verb(run, cfg)


if __name__ == "__main__":
    main()
