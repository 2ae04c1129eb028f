"""Kept pairs out of the store: fine-tuning data and a long-context evaluation set.

    <out>/longcontext_train.jsonl, longcontext_val.jsonl   {"messages": [system, user,
        assistant]}: the chat format acon-distill's trainer reads
        (`distill.train.data=longcontext distill.data.dir=<out>`)
    <out>/longcontext_eval.jsonl   one pair per line: id, source, session, context,
                                   question, answer, supporting turns
    <out>/card.json, card.md       sources, counts, token lengths, the split

Each example's context is its whole trajectory (every turn, no tools), the question after
it, and the reference answer as the reply. Sessions are split, never pairs, so no session
is on both sides.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from acon.compilation.config import PairExportConfig
from acon.compilation.records import RecordTurn, render_turns
from acon.distill.data import split_tasks, token_lengths, write_jsonl

SYSTEM = (
    "You answer questions about an agent's earlier work from its recorded turns alone. "
    "Reply with the short answer only."
)


def context_of(row: dict[str, Any]) -> str:
    """A stored pair's context: its trajectory's task and turns."""
    turns = [RecordTurn(t["id"], t["text"], t.get("tool"), t.get("time")) for t in row["turns"]]
    task = f"Task: {row['task']}\n\n" if row.get("task") else ""
    return task + render_turns(turns)


def chat_example(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{context_of(row)}\n\nQuestion: {row['question']}"},
            {"role": "assistant", "content": row["answer"]},
        ]
    }


def eval_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "source": row["source"],
        "session": row["session"],
        "window": row["window"],
        "context": context_of(row),
        "question": row["question"],
        "answer": row["answer"],
        "supporting_turns": row["supporting_turns"],
    }


def export(rows: list[dict[str, Any]], config: PairExportConfig, out: Path) -> dict[str, Any]:
    """Write the kept pairs `rows` (PairStore.pairs()) to `out`; the card."""
    out.mkdir(parents=True, exist_ok=True)
    sessions = {f"{r['source']}|{r['session']}" for r in rows}
    val = split_tasks(sessions, config.val_fraction, config.seed)
    parts: dict[str, list[dict[str, Any]]] = {"train": [], "val": []}
    for row in rows:
        parts["val" if f"{row['source']}|{row['session']}" in val else "train"].append(row)
    files: dict[str, dict[str, Any]] = {}
    for part, chosen in parts.items():
        examples = [chat_example(r) for r in chosen]
        write_jsonl(out / f"longcontext_{part}.jsonl", examples)
        files[f"longcontext_{part}"] = {"examples": len(examples), **token_lengths(examples)}
    write_jsonl(out / "longcontext_eval.jsonl", [eval_item(r) for r in rows])
    files["longcontext_eval"] = {"examples": len(rows)}
    sources = sorted({r["source"] for r in rows})
    card = {
        # `guidelines` (none here) keeps the card readable by acon-distill's tracking
        "sources": [{"folder": s, "guidelines": []} for s in sources],
        "sessions": {"train": len(sessions - val), "val": len(val)},
        "files": files,
        "format": 'JSONL, one {"messages": [system, user, assistant]} per line; the user '
        "message is the whole trajectory, then the question",
        "token_counts": "cl100k_base, the whole example with chat framing",
    }
    (out / "card.json").write_text(json.dumps(card, indent=2))
    lines = [
        "# Compiled long-context pairs",
        "",
        f"{len(rows)} kept pairs from {len(sessions)} sessions of {len(sources)} "
        f"sources; validation sessions: {len(val)}.",
        "",
        "| file | examples | tokens min | median | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, c in files.items():
        lines.append(
            f"| {name}.jsonl | {c['examples']} | {c.get('tokens_min', '')} | "
            f"{c.get('tokens_median', '')} | {c.get('tokens_max', '')} |"
        )
    (out / "card.md").write_text("\n".join(lines) + f"\n\nFormat: {card['format']}.\n")
    return card
