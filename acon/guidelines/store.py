"""A guideline store: versions, aliases and lineage, as files.

Layout: `<root>/<kind>/<name>/v<N>.md` (the text), `v<N>.json` beside it (its lineage)
and `aliases.json` (`baseline`, `best` -> a version). Kind is `history` or
`observation`. `SHIPPED` is the store of the guidelines that come with the harness, for
each kind:
- `prompting`: the paper's Prompting baseline, a human-engineered prompt in the style it
  cites (Lee et al. 2025; Section 4.1 baseline 5, Appendix B.3), which is also where every
  optimization starts (Table 13's caption: the compressor "before compression guideline
  optimization"; Appendix D: "naive prompting" against the optimized guideline);
- `one_line`: a one-sentence instruction ("Summarize ... concisely."), a weaker start kept
  for comparison; it is not the paper's naive prompt;
- `sectioned`: this harness's hand-written guideline (variables, to-do, completed,
  guardrails).
Only a guideline an optimizer wrote (one from a store with a `dir`) is labelled "Acon".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acon.errors import AconError
from acon.guidelines.lineage import Lineage, text_sha

KINDS = ("history", "observation")
SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
_VERSION = re.compile(r"^v(\d+)\.md$")


@dataclass(frozen=True)
class Guideline:
    kind: str
    name: str
    version: int
    text: str
    lineage: Lineage = field(default_factory=Lineage)


@dataclass
class GuidelineRef:
    """Which guideline a compressor follows (`compression.<kind>.guideline`)."""

    name: str = "prompting"  # the paper's Prompting baseline and the optimization's start
    version: str = "latest"  # a number, latest, or an alias (best, baseline)
    dir: str | None = None  # a store's root (an optimizer's <run>/guidelines); null: shipped
    # the text itself: a rollout's spec reads it once (acon.rollout.spec) so every reader
    # in the run follows the same text; given here, it is followed instead of the store's
    text: str | None = None


class GuidelineStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def folder(self, kind: str, name: str) -> Path:
        if kind not in KINDS:
            raise AconError(f"Unknown guideline kind {kind!r}: use one of {', '.join(KINDS)}.")
        return self.root / kind / name

    def names(self, kind: str) -> list[str]:
        return sorted(p.name for p in (self.root / kind).glob("*") if p.is_dir())

    def versions(self, kind: str, name: str) -> list[int]:
        found = (_VERSION.match(p.name) for p in self.folder(kind, name).glob("v*.md"))
        return sorted(int(m.group(1)) for m in found if m)

    def aliases(self, kind: str, name: str) -> dict[str, int]:
        path = self.folder(kind, name) / "aliases.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def load(self, kind: str, name: str, version: int | str = "latest") -> Guideline:
        """Guideline `name` at `version`: a number, `latest`, or an alias."""
        available = self.versions(kind, name)
        if not available:
            raise AconError(
                f"No {kind} guideline named {name!r} in {self.root}: use one of "
                f"{', '.join(self.names(kind)) or 'none'}, or fix the guideline's dir."
            )
        chosen = self._resolve(kind, name, version, available)
        folder = self.folder(kind, name)
        text = (folder / f"v{chosen}.md").read_text(encoding="utf-8").strip()
        meta = folder / f"v{chosen}.json"
        data = json.loads(meta.read_text()) if meta.exists() else {}
        lineage = Lineage.from_dict({"version": chosen, **data})
        return Guideline(kind=kind, name=name, version=chosen, text=text, lineage=lineage)

    def _resolve(self, kind: str, name: str, version: int | str, available: list[int]) -> int:
        ref = str(version)
        if ref in ("latest", "None"):
            return available[-1]
        if not ref.isdigit():
            aliases = self.aliases(kind, name)
            if ref not in aliases:
                raise AconError(
                    f"{kind} guideline {name!r} has no alias {ref!r}: use a version number, "
                    f"latest, or one of {', '.join(sorted(aliases)) or 'no aliases yet'}."
                )
            return aliases[ref]
        if int(ref) not in available:
            raise AconError(
                f"{kind} guideline {name!r} has no version {ref}: available "
                f"{', '.join(map(str, available))}."
            )
        return int(ref)

    def add(self, kind: str, name: str, text: str, lineage: Lineage | None = None) -> Guideline:
        """Write `text` as the next version of `name`, with its lineage."""
        folder = self.folder(kind, name)
        folder.mkdir(parents=True, exist_ok=True)
        version = (self.versions(kind, name) or [0])[-1] + 1
        (folder / f"v{version}.md").write_text(text.strip() + "\n", encoding="utf-8")
        record = (lineage or Lineage()).updated(version=version, text_sha=text_sha(text))
        self._write_lineage(kind, name, record)
        return Guideline(kind=kind, name=name, version=version, text=text.strip(), lineage=record)

    def update(self, kind: str, name: str, version: int, **fields: Any) -> Lineage:
        """Add fields (e.g. scores once a candidate is evaluated) to a version's lineage."""
        record = self.load(kind, name, version).lineage.updated(**fields)
        self._write_lineage(kind, name, record)
        return record

    def set_alias(self, kind: str, name: str, alias: str, version: int) -> None:
        """Point `alias` (e.g. `best`) at `version`."""
        aliases = {**self.aliases(kind, name), alias: int(version)}
        (self.folder(kind, name) / "aliases.json").write_text(json.dumps(aliases, indent=2))

    def _write_lineage(self, kind: str, name: str, lineage: Lineage) -> None:
        path = self.folder(kind, name) / f"v{lineage.version}.json"
        path.write_text(json.dumps(lineage.to_dict(), indent=2, default=str))


SHIPPED = GuidelineStore(SHIPPED_DIR)


def load_guideline(
    kind: str, name: str, version: int | str = "latest", root: str | Path | None = None
) -> Guideline:
    """Guideline `name` of `kind` at `version`, from the store at `root` (default: the
    shipped guidelines)."""
    return (GuidelineStore(root) if root else SHIPPED).load(kind, name, version)


def resolve(kind: str, ref: GuidelineRef) -> Guideline:
    """The guideline `ref` names: its pinned text, else the store's version."""
    if ref.text is not None:
        version = int(ref.version) if str(ref.version).isdigit() else 0
        return Guideline(kind=kind, name=ref.name, version=version, text=ref.text.strip())
    return load_guideline(kind, ref.name, ref.version, ref.dir)
