"""A guideline version's lineage: where it came from and how it did.

The fields are declared here once. Each field's metadata says where else it goes: `tag`
(a Prompt Registry tag on the version), `param` and `metric` (the candidate's MLflow run).
The store writes the whole record as `v<N>.json` beside the text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

TAG, PARAM, METRIC = {"tag": True}, {"param": True, "tag": True}, {"metric": True, "tag": True}


def text_sha(text: str) -> str:
    """The identity of a guideline's text (whitespace at the ends ignored)."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


@dataclass
class Lineage:
    version: int = field(default=0, metadata={"param": True})
    step: str | None = field(default=None, metadata=PARAM)  # start | ut | co | gepa
    round: int | None = field(default=None, metadata=PARAM)
    position: int | None = field(default=None, metadata=PARAM)  # index in optimizer.steps
    parent: int | None = field(default=None, metadata=PARAM)  # the version it improves on
    parents: list[int] | None = field(default=None, metadata=TAG)  # GEPA: several
    method: str | None = field(default=None, metadata=PARAM)  # acon | gepa
    origin: str | None = field(default=None, metadata=PARAM)  # start: "acon v1"
    gepa_index: int | None = field(default=None, metadata=PARAM)
    feedback: list[str] = field(default_factory=list)  # what the proposal was asked to fix
    score: float | None = field(default=None, metadata=METRIC)  # on the selection tasks
    peak_tokens: float | None = field(default=None, metadata=METRIC)
    guideline_tokens: int | None = field(default=None, metadata=METRIC)
    evaluated_on: list[str] = field(default_factory=list)  # the selection tasks
    errored_tasks: list[str] = field(default_factory=list)  # left out of the score
    # training-task text the candidate copies (acon.optimize.leakage): {kind, task_id, text}
    leaks: list[dict[str, str]] = field(default_factory=list)
    rejected: str | None = field(default=None, metadata=TAG)  # why it was not evaluated
    text_sha: str | None = None  # sha256 of the text
    extra: dict[str, Any] = field(default_factory=dict)  # anything older stores had

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lineage:
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in data.items() if k in names and k != "extra"}
        extra = {**data.get("extra", {}), **{k: v for k, v in data.items() if k not in names}}
        return cls(**known, extra=extra)

    @classmethod
    def from_tags(cls, tags: dict[str, str], **fields: Any) -> Lineage:
        """A lineage read back from registry tags (values are strings there)."""
        names = {f.name for f in dataclasses.fields(cls) if f.metadata.get("tag")}
        known = {k: _parsed(v) for k, v in tags.items() if k in names}
        return cls(**known, **fields)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if not data["extra"]:
            data.pop("extra")
        return data

    def updated(self, **fields: Any) -> Lineage:
        return dataclasses.replace(self, **fields)

    def _with(self, flag: str) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.metadata.get(flag) and getattr(self, f.name) is not None
        }

    def tags(self) -> dict[str, Any]:
        """What the Prompt Registry shows on the version."""
        return self._with("tag")

    def params(self) -> dict[str, Any]:
        """The candidate run's params."""
        return self._with("param")

    def metrics(self) -> dict[str, float]:
        """The candidate run's metrics."""
        return {k: float(v) for k, v in self._with("metric").items()}


def _parsed(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
