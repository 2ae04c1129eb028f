"""The guideline compressor inside the OpenAI Agents SDK: a session (the SDK's `Session`
protocol) around any other session that compacts the stored history when it grows past
the compressor's threshold.

Items are the Responses API's input items. They are read as chat messages (function calls
as an assistant message with tool calls, their outputs as tool messages) so that
`Compressor.compress` decides what to summarize; the items it keeps are stored unchanged,
the older ones are replaced by one summary message.
"""

from __future__ import annotations

import json
from typing import Any

from acon.compression import summary_message
from acon.export.compressor import Compressor


class AconSession:
    """Wraps `inner` (e.g. `agents.SQLiteSession`); compaction happens when items are read,
    and the compacted history replaces the stored one."""

    def __init__(self, inner: Any, compressor: Compressor):
        self.inner = inner
        self.compressor = compressor
        self.session_id = inner.session_id
        self.session_settings = getattr(inner, "session_settings", None)

    async def get_items(self, limit: int | None = None) -> list[Any]:
        items = await self.inner.get_items()
        compacted = compact(items, self.compressor)
        if compacted is not items:
            await self.inner.clear_session()
            await self.inner.add_items(compacted)
        return compacted[-limit:] if limit else compacted

    async def add_items(self, items: list[Any]) -> None:
        await self.inner.add_items(items)

    async def pop_item(self) -> Any:
        return await self.inner.pop_item()

    async def clear_session(self) -> None:
        await self.inner.clear_session()


def compact(items: list[Any], compressor: Compressor) -> list[Any]:
    """`items` with the older turns replaced by a summary, or `items` itself when the
    compressor keeps everything."""
    messages, sources = as_messages(items)
    out = compressor.compress(messages)
    if out == messages:
        return items
    head = 2 if messages and messages[0]["role"] == "system" else 1
    kept = len(out) - head - 1  # the messages after the summary, kept as they were
    first_kept = sources[len(messages) - kept] if kept else len(items)
    return [*items[: sources[head]], summary_message(out[head]["content"]), *items[first_kept:]]


def as_messages(items: list[Any]) -> tuple[list[dict[str, Any]], list[int]]:
    """Chat messages for `items`, and for each message the index of its first item
    (consecutive function calls are one assistant message, as the model sent them)."""
    messages: list[dict[str, Any]] = []
    sources: list[int] = []
    previous = None
    for i, item in enumerate(items):
        kind = item.get("type") or "message"
        if kind == "function_call":
            function = {"name": item.get("name"), "arguments": item.get("arguments")}
            call = {"id": item.get("call_id"), "type": "function", "function": function}
            if previous == "function_call":
                messages[-1]["tool_calls"].append(call)
                continue  # previous stays "function_call"
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id"),
                    "content": _text(item.get("output")),
                }
            )
        elif kind == "message":
            role = item.get("role", "user")
            messages.append({"role": role, "content": _text(item.get("content"))})
        else:  # reasoning and other items: kept as text so nothing is silently dropped
            messages.append({"role": "assistant", "content": json.dumps(item, default=str)})
        sources.append(i)
        previous = kind
    return messages, sources


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else json.dumps(content, default=str)
