"""Per-role accounting of every LLM call in a run: tokens, cache, retries, latency, cost."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from acon.errors import AconError


class BudgetExceeded(AconError):
    """A live call would go past the run's budget; nothing was sent."""


@dataclass(frozen=True)
class Budget:
    """Limits on what a run may spend on live calls (cache hits are free). `spent`
    carries what earlier, interrupted attempts of the same run already used."""

    max_calls: int | None = None
    max_tokens: int | None = None
    max_usd: float | None = None
    spent_calls: int = 0
    spent_tokens: int = 0
    spent_usd: float = 0.0


@dataclass(frozen=True)
class Usage:
    """One call's tokens. `prompt` includes `cached_prompt` (the prefix the server had
    cached); the `*_cl100k` counts use the fixed tokenizer so models compare."""

    prompt: int = 0
    cached_prompt: int = 0
    completion: int = 0
    prompt_cl100k: int = 0
    completion_cl100k: int = 0


@dataclass
class RoleUsage:
    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_cl100k: int = 0
    completion_tokens_cl100k: int = 0
    latency_s: float = 0.0  # wall time of calls that reached the endpoint
    cost_usd: float = 0.0  # what the calls' tokens cost at the price table
    spent_usd: float = 0.0  # the part of it paid in this run (cache hits are free)

    def add(self, other: RoleUsage) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def since(self, earlier: RoleUsage | None) -> RoleUsage:
        """What was added after `earlier`, a snapshot of the same totals."""
        if earlier is None:
            return RoleUsage(**asdict(self))
        return RoleUsage(**{k: v - getattr(earlier, k) for k, v in asdict(self).items()})


@dataclass
class UsageLedger:
    """Thread-safe totals per role; optionally appends one JSON line per call to a file
    (flushed at once, so a crash loses nothing)."""

    log_path: Path | None = None
    budget: Budget | None = None
    _roles: dict[str, RoleUsage] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _log: IO[str] | None = None

    def record(
        self,
        role: str,
        model: str,
        usage: Usage,
        *,
        latency_s: float,
        cost_usd: float,
        cache_hit: bool,
        retries: int = 0,
    ) -> None:
        entry = RoleUsage(
            calls=1,
            cache_hits=int(cache_hit),
            retries=retries,
            prompt_tokens=usage.prompt,
            cached_prompt_tokens=usage.cached_prompt,
            completion_tokens=usage.completion,
            prompt_tokens_cl100k=usage.prompt_cl100k,
            completion_tokens_cl100k=usage.completion_cl100k,
            latency_s=0.0 if cache_hit else latency_s,
            cost_usd=cost_usd,
            spent_usd=0.0 if cache_hit else cost_usd,
        )
        self._add(role, entry, {"role": role, "model": model, **asdict(entry)})

    def record_failure(self, role: str, model: str, *, latency_s: float, retries: int) -> None:
        entry = RoleUsage(failures=1, retries=retries, latency_s=latency_s)
        self._add(role, entry, {"role": role, "model": model, **asdict(entry)})

    def absorb(self, by_role: dict[str, RoleUsage]) -> None:
        """Count usage that another process recorded in its own ledger and call log (a
        Ray actor's), so this run's totals, progress and stop rules include it."""
        with self._lock:
            for role, usage in by_role.items():
                self._roles.setdefault(role, RoleUsage()).add(usage)

    def _add(self, role: str, entry: RoleUsage, line: dict[str, Any]) -> None:
        with self._lock:
            self._roles.setdefault(role, RoleUsage()).add(entry)
            if self.log_path is not None:
                if self._log is None:
                    self.log_path.parent.mkdir(parents=True, exist_ok=True)
                    self._log = self.log_path.open("a", encoding="utf-8")
                self._log.write(json.dumps(line) + "\n")
                self._log.flush()

    def spent(self) -> tuple[int, int, float]:
        """Live calls, their tokens and dollars so far (earlier attempts included)."""
        total = self.total()
        b = self.budget or Budget()
        return (
            total.calls - total.cache_hits + total.failures + b.spent_calls,
            total.prompt_tokens + total.completion_tokens + b.spent_tokens,
            total.spent_usd + b.spent_usd,
        )

    def check_budget(self) -> None:
        """Raise BudgetExceeded if one more live call is not allowed."""
        if self.budget is None:
            return
        calls, tokens, usd = self.spent()
        b = self.budget
        for limit, used, what in (
            (b.max_calls, calls, "calls"),
            (b.max_tokens, tokens, "tokens"),
            (b.max_usd, usd, "dollars"),
        ):
            if limit is not None and used >= limit:
                raise BudgetExceeded(
                    f"The budget of {limit} {what} is spent ({used:g} used): raise "
                    f"optimizer.budget.max_{'usd' if what == 'dollars' else what} to go on; "
                    f"finished work is kept and a rerun resumes from it."
                )

    def by_role(self) -> dict[str, RoleUsage]:
        with self._lock:
            return {role: RoleUsage(**asdict(u)) for role, u in self._roles.items()}

    def total(self) -> RoleUsage:
        total = RoleUsage()
        for usage in self.by_role().values():
            total.add(usage)
        return total

    def summary(self) -> dict[str, dict[str, float]]:
        """`{role: {metric: value}}` plus a `total` row, ready for a table or a JSON file."""
        rows = {role: asdict(u) for role, u in sorted(self.by_role().items())}
        rows["total"] = asdict(self.total())
        return rows

    def close(self) -> None:
        with self._lock:
            if self._log is not None:
                self._log.close()
                self._log = None
