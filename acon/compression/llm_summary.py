"""LLM compression following a guideline: `guideline` (Acon) and `prompting` (naive).

Both send the compressor role the guideline as its system prompt and a frame
(`templates/*.md`) holding the task and the text to compress, and ask for JSON
(reasoning, then the compressed text) under a schema, so even small local models answer
in a parseable shape. History summaries either accumulate (the previous summary plus
the newly old turns) or are rebuilt from all raw turns each time (`mode`).
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryState,
    HistoryStrategy,
    ObservationStrategy,
    register,
)
from acon.compression.guidelines import Guideline, load_guideline
from acon.errors import AconError
from acon.llm.client import ChatResult

TEMPLATES = Path(__file__).resolve().parent / "templates"
MODES = ("accumulate", "rebuild")


def _schema(field: str) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": f"compressed_{field}",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"reasoning": {"type": "string"}, field: {"type": "string"}},
                "required": ["reasoning", field],
                "additionalProperties": False,
            },
        },
    }


def _guideline(kind: str, params: Any, default_name: str) -> Guideline:
    spec = params.get("guideline") or {}
    return load_guideline(
        kind, spec.get("name", default_name), spec.get("version", "latest"), spec.get("dir")
    )


def _ask(client: Any, guideline: Guideline, frame: str, field: str, max_tokens: Any) -> tuple:
    messages = [{"role": "system", "content": guideline.text}, {"role": "user", "content": frame}]
    params = {"response_format": _schema(field)}
    if max_tokens:
        params["max_tokens"] = int(max_tokens)
    result: ChatResult = client.chat(messages, **params)
    try:
        text = str(result.json()[field]).strip()
    except (ValueError, KeyError, TypeError) as exc:
        raise CompressionError(f"unparseable compressor reply: {result.text[:200]!r}") from exc
    if not text:
        raise CompressionError("the compressor returned an empty text")
    return text, result


@register("history", "guideline")
class GuidelineHistory(HistoryStrategy):
    default_guideline = "acon"

    def __init__(self, params: Any, services: Any):
        self.guideline = _guideline("history", params, self.default_guideline)
        self.mode = params.get("mode", "accumulate")
        if self.mode not in MODES:
            raise AconError(
                f"compression.history.mode={self.mode!r} is not valid: use accumulate or rebuild."
            )
        self.max_tokens = params.get("max_tokens")
        self.client = services.llms.client("compressor")
        self.frame = Template((TEMPLATES / "history.md").read_text(encoding="utf-8"))

    def compact(self, state: HistoryState) -> Compacted:
        recent = state.turns[len(state.turns) - state.keep_last :] if state.keep_last else []
        if self.mode == "rebuild":
            prior, older = None, state.all_turns[: len(state.all_turns) - len(recent)]
        else:
            prior, older = state.summary, state.turns[: len(state.turns) - len(recent)]
        if not older:
            return Compacted(summary=state.summary, turns=state.turns, detail={"skipped": True})
        frame = self.frame.substitute(
            task=state.task,
            summary=prior or "(none yet)",
            history="\n\n".join(turn.text() for turn in older),
        )
        summary, call = _ask(self.client, self.guideline, frame, "summary", self.max_tokens)
        return Compacted(
            summary=summary,
            turns=list(recent),
            call=call,
            detail={"compressed_turns": [t.index for t in older], "mode": self.mode},
        )


@register("history", "prompting")
class PromptingHistory(GuidelineHistory):
    default_guideline = "naive"


@register("observation", "guideline")
class GuidelineObservation(ObservationStrategy):
    default_guideline = "acon"

    def __init__(self, params: Any, services: Any):
        self.guideline = _guideline("observation", params, self.default_guideline)
        self.max_tokens = params.get("max_tokens")
        self.client = services.llms.client("compressor")
        self.frame = Template((TEMPLATES / "observation.md").read_text(encoding="utf-8"))

    def compress(self, observation: str, task: str, last_action: str) -> CompressedObservation:
        frame = self.frame.substitute(task=task, action=last_action, observation=observation)
        text, call = _ask(self.client, self.guideline, frame, "observation", self.max_tokens)
        return CompressedObservation(text=text, call=call)


@register("observation", "prompting")
class PromptingObservation(GuidelineObservation):
    default_guideline = "naive"
