"""A disk cache of chat responses, so a finished configuration re-runs with no call.

The key covers everything that changes an answer: the endpoint as configured (for a
local model its `local://` name, not the port it happened to get), the model, the
messages, the request parameters and the sample index (so N sampled candidates stay N
different answers). Keys and secrets never mix: the API key is not part of the request
we hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import diskcache

CACHE_FORMAT = 1  # bump when the stored value's shape changes


def cache_key(
    endpoint: str,
    model: str,
    messages: list[Mapping[str, Any]],
    params: Mapping[str, Any],
    sample: int,
) -> str:
    """A stable sha256 over the canonical JSON of the request."""
    payload = {
        "format": CACHE_FORMAT,
        "endpoint": endpoint.rstrip("/"),
        "model": model,
        "messages": messages,
        "params": {k: v for k, v in params.items() if v is not None},
        "sample": sample,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Process- and thread-safe (SQLite underneath, via diskcache)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._cache = diskcache.Cache(str(self.directory), size_limit=2**34)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._cache.get(key)

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._cache.set(key, value)

    def __len__(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        self._cache.close()
