"""A guideline-following compressor for your own agent's OpenAI-style messages.

from acon.export import load_compressor
compressor = load_compressor("acon-opt", "best", guidelines_dir="runs/.../guidelines",
                             base_url="https://api.openai.com/v1", model="gpt-4.1-mini",
                             api_key_env="OPENAI_API_KEY", threshold_tokens=4096)
messages = compressor.compress(messages)   # OpenAI-style messages in and out
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acon.compression import Turn, summary_message
from acon.compression.summary import GuidelineCompressor
from acon.guidelines import Guideline, load_guideline
from acon.llm.client import LLMClient
from acon.llm.config import RoleConfig
from acon.llm.pricing import PriceTable
from acon.llm.usage import UsageLedger
from acon.tokens import count_messages


class Compressor:
    """A guideline-following compressor for any agent's OpenAI-style messages."""

    def __init__(
        self,
        guideline: Guideline,
        client: LLMClient,
        *,
        keep_last: int = 1,
        threshold_tokens: int | None = None,
    ):
        self.guideline = guideline
        self.keep_last = keep_last
        self.threshold_tokens = threshold_tokens
        self._compressor = GuidelineCompressor(guideline, client)

    def compress(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """System prompt and task kept, older turns replaced by a summary, the last
        `keep_last` turns kept as they were (tool-call messages included)."""
        if self.guideline.kind != "history":
            raise TypeError(
                "an observation guideline compresses observations: use compress_observation()"
            )
        if self.threshold_tokens is not None and count_messages(messages) <= self.threshold_tokens:
            return list(messages)
        head = 2 if messages and messages[0]["role"] == "system" else 1
        prefix, rest = list(messages[:head]), list(messages[head:])
        groups = _turn_groups(rest)
        if len(groups) <= self.keep_last:
            return list(messages)
        older = groups[: len(groups) - self.keep_last]
        turns = [Turn.make(i, _text(g[:1]), _text(g[1:])) for i, g in enumerate(older, 1)]
        summary, _ = self._compressor.summarize(prefix[-1].get("content") or "", None, turns)
        kept = [m for group in groups[len(older) :] for m in group]
        return [*prefix, summary_message(summary), *kept]

    def compress_observation(self, observation: str, task: str, last_action: str = "") -> str:
        if self.guideline.kind != "observation":
            raise TypeError("a history guideline compresses messages: use compress()")
        return self._compressor.refine(observation, task, last_action)[0]


def _turn_groups(messages: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Each assistant message with the messages that follow it (tool results, user)."""
    groups: list[list[dict[str, Any]]] = []
    for message in messages:
        if message["role"] == "assistant" or not groups:
            groups.append([message])
        else:
            groups[-1].append(message)
    return groups


def _text(messages: list[dict[str, Any]]) -> str:
    parts = []
    for m in messages:
        parts.append(str(m.get("content") or ""))
        for call in m.get("tool_calls") or ():
            fn = call.get("function", {})
            parts.append(f"{fn.get('name')}({fn.get('arguments')})")
    return "\n".join(p for p in parts if p)


def load_compressor(
    name: str,
    version: int | str = "best",
    *,
    kind: str = "history",
    guidelines_dir: str | Path | None = None,
    base_url: str,
    model: str,
    api_key_env: str | None = None,
    keep_last: int = 1,
    threshold_tokens: int | None = None,
    **role: Any,
) -> Compressor:
    """A ready compressor: the guideline `name` at `version` (a number, `latest`, or an
    alias such as `best`) from a guideline folder, calling the given endpoint."""
    guideline = load_guideline(kind, name, version, guidelines_dir)
    config = RoleConfig(base_url=base_url, model=model, api_key_env=api_key_env, **role)
    client = LLMClient("compressor", config, ledger=UsageLedger(), prices=PriceTable({}))
    return Compressor(guideline, client, keep_last=keep_last, threshold_tokens=threshold_tokens)
