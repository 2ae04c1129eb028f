"""Cost from token counts and a configurable price table (USD per million tokens)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class PriceConfig:
    """USD per million tokens; `cached_input` null: the input price."""

    input: float = 0.0
    output: float = 0.0
    cached_input: float | None = None


@dataclass
class PricingConfig:
    models: dict[str, PriceConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class Price:
    input: float
    cached_input: float
    output: float


class PriceTable:
    """Looks a model up by exact name, then by the longest listed name it starts with
    (so `gpt-4.1-2025-04-14` is priced as `gpt-4.1`); a provider prefix such as
    `openai/` is ignored, and case too (`Qwen/Qwen3-14B` is `qwen3-14b`). An unknown model
    costs 0, with one warning per model."""

    def __init__(self, models: Mapping[str, Mapping[str, float]]):
        self._prices = {
            name: Price(
                input=float(p["input"]),
                cached_input=float(
                    p["input"] if p.get("cached_input") is None else p["cached_input"]
                ),
                output=float(p["output"]),
            )
            for name, p in ((str(n).lower(), p) for n, p in models.items())
        }
        self._by_length = sorted(self._prices, key=len, reverse=True)
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, pricing: Any) -> PriceTable:
        """From `pricing` (a PricingConfig, its config node or a plain mapping; None: empty)."""
        if isinstance(pricing, PricingConfig):
            return cls({name: dataclasses.asdict(p) for name, p in pricing.models.items()})
        return cls((pricing or {}).get("models") or {})

    def price(self, model: str) -> Price | None:
        name = (model.split("/", 1)[1] if "/" in model else model).lower()
        if name in self._prices:
            return self._prices[name]
        for known in self._by_length:
            if name.startswith(known):
                return self._prices[known]
        with self._lock:
            if model not in self._warned:
                self._warned.add(model)
                log.warning(
                    "No price for model %r: its cost counts as 0. Add it under pricing.models.",
                    model,
                )
        return None

    def cost(self, model: str, prompt: int, cached_prompt: int, completion: int) -> float:
        """USD for one call: uncached prompt, cached prompt and completion at their prices."""
        p = self.price(model)
        if p is None:
            return 0.0
        cached = min(cached_prompt, prompt)
        return (
            (prompt - cached) * p.input + cached * p.cached_input + completion * p.output
        ) / 1_000_000
