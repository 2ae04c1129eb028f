"""The estimate as a table, and beside what a run actually spent (its `llm_calls.jsonl`,
cl100k tokens, calls counted with cache hits: the estimate assumes an empty cache)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from acon.estimate.simulate import ROLES


def estimate_table(estimate: dict[str, Any]) -> pd.DataFrame:
    """Calls, tokens and dollars per role, and their total."""
    rows = {}
    for role in ROLES:
        r = estimate["roles"][role]
        rows[role] = {
            "model": r["model"],
            "calls": r["calls"],
            "prompt tokens": r["prompt_tokens"],
            "completion tokens": r["completion_tokens"],
            "USD": r["usd"],
        }
    table = pd.DataFrame(rows).T
    numbers = ["calls", "prompt tokens", "completion tokens", "USD"]
    table.loc["total"] = ["", *(table[c].sum() for c in numbers)]
    return table


def side_by_side(estimate: dict[str, Any], actual: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Per role: estimated and actual calls, prompt and completion tokens, and USD."""
    rows = {}
    for role in (*ROLES, "total"):
        e = estimate["roles"].get(role) if role != "total" else _total(estimate)
        a = actual.get(role) or {}
        rows[role] = {
            "calls (estimate)": e["calls"],
            "calls (actual)": a.get("calls", 0),
            "prompt tokens (estimate)": e["prompt_tokens"],
            "prompt tokens (actual)": a.get("prompt_tokens_cl100k", 0),
            "completion tokens (estimate)": e["completion_tokens"],
            "completion tokens (actual)": a.get("completion_tokens_cl100k", 0),
            "USD (estimate)": e["usd"],
            "USD (actual)": a.get("cost_usd", 0.0),
        }
    return pd.DataFrame(rows).T


def _total(estimate: dict[str, Any]) -> dict[str, float]:
    roles = estimate["roles"].values()
    return {
        k: sum(r[k] for r in roles) for k in ("calls", "prompt_tokens", "completion_tokens")
    } | {"usd": estimate["usd"]}


def markdown(table: pd.DataFrame) -> str:
    """Counts with thousands separators, dollars with cents."""
    shown = table.copy().astype(object)
    for column in shown.columns:
        money = column.startswith("USD")
        shown[column] = [
            (f"${v:,.2f}" if money else f"{v:,.0f}") if isinstance(v, int | float) else v
            for v in table[column]
        ]
    return shown.to_markdown()
