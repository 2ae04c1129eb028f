"""A task's artifact store and the `read_artifact` tool that reads it back.

An offloading strategy (`compression/observation=offload`) moves a large payload out of
the agent's context into the store, leaving a short handle (`handle`) and a gist. The
agent can read any stored payload again with `read_artifact`, a tool the agent adds to
every environment's own whenever the store exists: a line range, or the lines matching a
query, capped at `read_max_tokens` so reading back never floods the context. Each payload
is written byte for byte to `<run>/artifacts/<task>/<id>.txt` and also stands in the
task's trajectory record (acon.agent.context), so nothing offloaded is lost.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acon.environment import Tool
from acon.tokens import count_text

READ_ARTIFACT = Tool(
    name="read_artifact",
    description=(
        "Read back a stored artifact (an observation moved out of your context): its lines "
        "start_line to end_line (numbered from 1), or the lines that match query."
    ),
    parameters={
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "start_line": {"type": "integer"},
            "end_line": {"type": "integer"},
            "query": {"type": "string"},
        },
        "required": ["id"],
    },
)
CHARS_PER_TOKEN = 3  # a cautious cut for one line longer than the whole budget
READ_MAX_TOKENS = 800


def read_max_tokens(strategy: Any) -> int:
    """The most one read returns, as the offloading strategy's config sets it."""
    return int(getattr(strategy.config, "read_max_tokens", READ_MAX_TOKENS))


@dataclass(frozen=True)
class Artifact:
    id: int
    text: str
    tokens: int  # cl100k

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines() or [""]


def handle(artifact: Artifact, gist: str, facts: tuple[str, ...] = ()) -> str:
    """What stands in the context for an offloaded payload: where it is, its gist, and the
    findings it gave (also kept in the FactSet, which outlives the turn)."""
    text = (
        f"[artifact {artifact.id}: {len(artifact.lines)} lines, {artifact.tokens} tokens, "
        f"stored; read_artifact(id={artifact.id}) with start_line/end_line or query reads it]"
        f"\n{gist}"
    )
    return text + "".join(f"\n- {fact}" for fact in facts)


class Offloads:
    """An offloading strategy's side of a task: the artifact store its payloads go to, and
    the FactSet, the findings they gave, which stays in the context (acon.agent.window)."""

    def __init__(self, folder: Path | None, read_max_tokens: int):
        self.store = ArtifactStore(folder, read_max_tokens)
        self.facts: list[str] = []

    def put(
        self, observation: str, gist: str, facts: tuple[str, ...]
    ) -> tuple[Artifact, str, bool]:
        """Store the raw observation; (its artifact, the handle and gist that stand in the
        context for it, whether the FactSet grew)."""
        artifact = self.store.put(observation)
        new = [f for f in facts if f not in self.facts]
        self.facts.extend(new)
        return artifact, handle(artifact, gist, facts), bool(new)


class ArtifactStore:
    """The payloads one task offloaded, numbered from 1; on disk when given a folder (a
    rerun of the task starts it afresh)."""

    def __init__(self, folder: Path | None = None, read_max_tokens: int = READ_MAX_TOKENS):
        self.folder = folder
        self.read_max_tokens = read_max_tokens
        self.items: dict[int, Artifact] = {}
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def put(self, text: str) -> Artifact:
        artifact = Artifact(len(self.items) + 1, text, count_text(text))
        self.items[artifact.id] = artifact
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path(artifact.id).write_bytes(text.encode("utf-8"))
        return artifact

    def path(self, artifact_id: int) -> Path:
        assert self.folder is not None
        return self.folder / f"{artifact_id}.txt"

    def read(self, arguments: dict[str, Any]) -> str:
        """The tool's answer: the lines asked for, numbered; a bad request gets a sentence
        the agent can act on."""
        try:
            artifact = self.items[int(arguments.get("id"))]  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            stored = ", ".join(map(str, self.items)) or "none yet"
            return f"No artifact {arguments.get('id')!r}; stored: {stored}."
        lines = artifact.lines
        try:
            start = max(1, int(arguments.get("start_line") or 1))
            end = min(len(lines), int(arguments.get("end_line") or len(lines)))
        except (TypeError, ValueError):
            return "start_line and end_line must be line numbers (integers from 1)."
        numbered = list(enumerate(lines, 1))[start - 1 : end]
        query = str(arguments.get("query") or "").strip()
        if query:
            terms = [t for t in re.findall(r"\w+", query.lower()) if len(t) > 1] or [query.lower()]
            numbered = [(n, line) for n, line in numbered if any(t in line.lower() for t in terms)]
            if not numbered:
                return f"No line of artifact {artifact.id} matches {query!r}."
        return self._within_budget(artifact, numbered, query)

    def _within_budget(
        self, artifact: Artifact, numbered: list[tuple[int, str]], query: str
    ) -> str:
        what = f"lines matching {query!r}" if query else "lines"
        head = f"Artifact {artifact.id} ({len(artifact.lines)} lines), {what}:"
        out, used = [head], count_text(head)
        for n, line in numbered:
            text = f"{n}: {line}"
            cost = count_text(text) + 1
            if used + cost > self.read_max_tokens:
                if len(out) == 1:  # one line longer than the budget: its start
                    out.append(text[: self.read_max_tokens * CHARS_PER_TOKEN] + " ...")
                    n += 1
                out.append(f"(cut at {self.read_max_tokens} tokens: read on from line {n})")
                break
            out.append(text)
            used += cost
        return "\n".join(out)
