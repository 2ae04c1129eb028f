"""LLM usage per role from a run folder's `llm_calls.jsonl` (the ledger's own per-call
log, appended across resumed attempts, so a resumed run counts everything it paid for)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from acon.llm.usage import RoleUsage

FIELDS = tuple(RoleUsage.__dataclass_fields__)


def usage_by_role(*calls_logs: Path) -> dict[str, dict[str, float]]:
    """`{role: {calls, cache_hits, prompt_tokens, ..., cost_usd, spent_usd}}` plus `total`,
    over the given call logs (a run's: RunFolder.call_logs)."""
    roles: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0.0))
    for calls_log in calls_logs:
        if not Path(calls_log).exists():
            continue
        with Path(calls_log).open(encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                entry = json.loads(line)
                row = roles[entry["role"]]
                for name in FIELDS:
                    row[name] += float(entry.get(name, 0) or 0)
    total = dict.fromkeys(FIELDS, 0.0)
    for row in roles.values():
        for name in FIELDS:
            total[name] += row[name]
    return {**dict(sorted(roles.items())), "total": total}


def usage_metrics(usage: dict[str, dict[str, float]]) -> dict[str, float]:
    """`usage/<role>/<field>` metrics, e.g. `usage/agent/cost_usd`, `usage/total/calls`."""
    return {
        f"usage/{role}/{name}": value for role, row in usage.items() for name, value in row.items()
    }
