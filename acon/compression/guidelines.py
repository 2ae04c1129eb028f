"""Guidelines: the natural-language instructions a compressor follows, stored as files.

Layout: `<root>/<kind>/<name>/v<N>.md` (the text), `v<N>.json` beside it (its lineage:
parent, step, round, feedback, scores, tokens) and `aliases.json` (e.g. `baseline`,
`best` -> a version). Kind is `history` or `observation`. The shipped guidelines (the
paper's structure, and the naive `prompting` baseline) live beside this module; an
optimizer writes new versions to its own root.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    lineage: dict[str, Any] = field(default_factory=dict)


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
    aliases = read_aliases(kind, name, base)
    if version in ("latest", None):
        chosen = available[-1]
    elif isinstance(version, str) and not version.isdigit():
        if version not in aliases:
            raise AconError(
                f"{kind} guideline {name!r} has no alias {version!r}: use a version number, "
                f"latest, or one of {', '.join(sorted(aliases)) or 'no aliases yet'}."
            )
        chosen = aliases[version]
    else:
        chosen = int(version)
    if chosen not in available:
        raise AconError(
            f"{kind} guideline {name!r} has no version {version}: available "
            f"{', '.join(map(str, available))}."
        )
    folder = base / kind / name
    text = (folder / f"v{chosen}.md").read_text(encoding="utf-8").strip()
    lineage_path = folder / f"v{chosen}.json"
    lineage = json.loads(lineage_path.read_text()) if lineage_path.exists() else {}
    return Guideline(kind=kind, name=name, version=chosen, text=text, lineage=lineage)


def save_guideline(
    kind: str, name: str, text: str, root: str | Path, lineage: dict[str, Any] | None = None
) -> Guideline:
    """Write `text` (and its lineage) as the next version of `name` under `root`."""
    folder = Path(root) / kind / name
    folder.mkdir(parents=True, exist_ok=True)
    version = (versions(kind, name, root) or [0])[-1] + 1
    (folder / f"v{version}.md").write_text(text.strip() + "\n", encoding="utf-8")
    lineage = {"version": version, **(lineage or {})}
    (folder / f"v{version}.json").write_text(json.dumps(lineage, indent=2, default=str))
    return Guideline(kind=kind, name=name, version=version, text=text.strip(), lineage=lineage)


def read_aliases(kind: str, name: str, root: str | Path) -> dict[str, int]:
    path = Path(root) / kind / name / "aliases.json"
    return json.loads(path.read_text()) if path.exists() else {}


def set_alias(kind: str, name: str, alias: str, version: int, root: str | Path) -> None:
    """Point `alias` (e.g. `best`) at `version`."""
    aliases = {**read_aliases(kind, name, root), alias: int(version)}
    (Path(root) / kind / name / "aliases.json").write_text(json.dumps(aliases, indent=2))


def update_lineage(kind: str, name: str, version: int, root: str | Path, **fields: Any) -> None:
    """Add fields (e.g. scores once a candidate is evaluated) to a version's lineage."""
    path = Path(root) / kind / name / f"v{version}.json"
    lineage = json.loads(path.read_text()) if path.exists() else {"version": version}
    path.write_text(json.dumps({**lineage, **fields}, indent=2, default=str))
