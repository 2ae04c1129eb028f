"""Guidelines: the natural-language instructions a compressor follows, stored as files.

Layout: `<root>/<kind>/<name>/v<N>.md`, kind `history` or `observation`. The shipped
guidelines (the paper's structure, and the naive `prompting` baseline) live beside this
module; an optimizer writes new versions to its own root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from acon.errors import AconError

SHIPPED_DIR = Path(__file__).resolve().parent / "guidelines"
KINDS = ("history", "observation")
_VERSION = re.compile(r"^v(\d+)\.md$")


@dataclass(frozen=True)
class Guideline:
    kind: str
    name: str
    version: int
    text: str


def versions(kind: str, name: str, root: str | Path | None = None) -> list[int]:
    folder = Path(root or SHIPPED_DIR) / kind / name
    found = (_VERSION.match(p.name) for p in folder.glob("v*.md"))
    return sorted(int(m.group(1)) for m in found if m)


def load_guideline(
    kind: str, name: str, version: int | str = "latest", root: str | Path | None = None
) -> Guideline:
    """Guideline `name` of `kind` at `version` (a number, or "latest")."""
    if kind not in KINDS:
        raise AconError(f"Unknown guideline kind {kind!r}: use one of {', '.join(KINDS)}.")
    base = Path(root or SHIPPED_DIR)
    available = versions(kind, name, base)
    if not available:
        names = sorted(p.name for p in (base / kind).glob("*") if p.is_dir())
        raise AconError(
            f"No {kind} guideline named {name!r} in {base}: use one of "
            f"{', '.join(names) or 'none'}, or fix the guideline's dir."
        )
    chosen = available[-1] if version in ("latest", None) else int(version)
    if chosen not in available:
        raise AconError(
            f"{kind} guideline {name!r} has no version {version}: available "
            f"{', '.join(map(str, available))}."
        )
    text = (base / kind / name / f"v{chosen}.md").read_text(encoding="utf-8").strip()
    return Guideline(kind=kind, name=name, version=chosen, text=text)


def save_guideline(kind: str, name: str, text: str, root: str | Path) -> Guideline:
    """Write `text` as the next version of `name` under `root`."""
    folder = Path(root) / kind / name
    folder.mkdir(parents=True, exist_ok=True)
    version = (versions(kind, name, root) or [0])[-1] + 1
    (folder / f"v{version}.md").write_text(text.strip() + "\n", encoding="utf-8")
    return Guideline(kind=kind, name=name, version=version, text=text.strip())
