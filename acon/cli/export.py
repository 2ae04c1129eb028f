"""`acon-export`: write an optimized guideline as text, template and JSON with lineage.

acon-export export.dir=runs/<run>/guidelines export.name=acon-opt export.version=best
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acon.cli.entry import entry
from acon.export import export_guideline
from acon.guidelines import load_guideline
from acon.run_folder import RunFolder


def run(cfg: Any, folder: RunFolder) -> list[Path]:
    e = cfg.export
    guideline = load_guideline(e.kind, e.name, e.version, e.dir)
    written = export_guideline(guideline, e.out)
    print(f"{e.kind} guideline {guideline.name} v{guideline.version}:")
    print("\n".join(f"  {p}" for p in written))
    return written


main = entry(run)

if __name__ == "__main__":
    main()
