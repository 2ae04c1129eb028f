"""A stand-in chat client that answers from a script, with no HTTP and no model.

For unit tests of logic above the LLM layer and for benchmarks of the harness's own
overhead. Replies are strings, dicts (sent as JSON text), exceptions (raised), or a
callable `(messages, params) -> reply`; usage is the cl100k count, latency 0.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from acon.llm.client import ChatResult
from acon.llm.usage import Usage
from acon.tokens import count_messages, count_text

Reply = str | dict[str, Any] | BaseException
Script = Iterable[Reply] | Callable[[list[dict[str, Any]], dict[str, Any]], Reply]


class ScriptedClient:
    def __init__(self, script: Script, model: str = "scripted"):
        self._fn = script if callable(script) else None
        self._queue: deque[Reply] = deque() if callable(script) else deque(script)
        self.model = model
        self.calls: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []

    def chat(self, messages: list[dict[str, Any]], *, sample: int = 0, **params: Any) -> ChatResult:
        self.calls.append((list(messages), params))
        if self._fn is not None:
            reply = self._fn(messages, params)
        elif self._queue:
            reply = self._queue.popleft()
        else:
            raise AssertionError("the script ran out of replies")
        if isinstance(reply, BaseException):
            raise reply
        text = reply if isinstance(reply, str) else json.dumps(reply)
        prompt, completion = count_messages(messages), count_text(text)
        usage = Usage(prompt, 0, completion, prompt, completion)
        return ChatResult(
            text=text,
            usage=usage,
            latency_s=0.0,
            cache_hit=False,
            model=self.model,
            messages=[dict(m) for m in messages],
        )
