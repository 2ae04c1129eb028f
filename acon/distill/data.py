"""Supervised fine-tuning data from finished rollouts: the teacher's exact exchanges.

Every compressor call a rollout recorded (`request`: the messages sent, `reply`: the raw
answer, acon.trajectory) becomes one chat example, the request followed by the reply as
the assistant's message; every agent call on those trajectories becomes one agent example
(its full input, rebuilt by `replay_inputs`, and its reply). Only tasks the teacher run
succeeded on are kept (`distill.data.tasks`), identical examples are kept once, and the
split into training and validation is by task id, so no task is on both sides.

    <out>/compressor_train.jsonl, compressor_val.jsonl   {"messages": [...]} per line,
    <out>/agent_train.jsonl, agent_val.jsonl             the chat format trl reads
    <out>/card.json, card.md                             sources, guideline texts, counts,
                                                         token lengths, the split
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acon.distill.config import DistillDataConfig
from acon.errors import AconError
from acon.run_folder import RunFolder
from acon.tokens import count_messages
from acon.trajectory import FINISHED, read_events, replay_inputs

DATASETS = ("compressor", "agent")
Example = dict[str, Any]


@dataclass
class Extracted:
    """The examples of one data set before the split, with where each came from."""

    examples: dict[str, list[tuple[str, Example]]] = field(
        default_factory=lambda: {name: [] for name in DATASETS}
    )  # data set -> [(task id, example)]
    seen: set[str] = field(default_factory=set)
    duplicates: int = 0
    calls_without_request: int = 0
    tasks_kept: set[str] = field(default_factory=set)
    tasks_skipped: int = 0

    def add(self, dataset: str, task_id: str, messages: list[dict[str, Any]]) -> None:
        key = hashlib.sha256(
            json.dumps([dataset, messages], sort_keys=True).encode("utf-8")
        ).hexdigest()
        if key in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key)
        self.examples[dataset].append((task_id, {"messages": messages}))


def rollout_folders(roots: Iterable[str | Path]) -> list[RunFolder]:
    """Every rollout folder (results.jsonl beside trajectories/) at or below each root."""
    found: list[RunFolder] = []
    for root in roots:
        root = Path(root).expanduser()
        if not root.exists():
            raise AconError(f"distill.data.runs: {root} does not exist: fix the path.")
        for results in sorted(root.rglob("results.jsonl")):
            if (results.parent / "trajectories").is_dir():
                found.append(RunFolder(results.parent))
    return found


def extract(folders: list[RunFolder], config: DistillDataConfig) -> tuple[Extracted, list[dict]]:
    """The examples of `folders` (before the split) and one source entry per folder."""
    out = Extracted()
    sources = []
    for folder in folders:
        before = {name: len(items) for name, items in out.examples.items()}
        rows = folder.rows()
        for row in rows:
            if not _kept(row, config):
                out.tasks_skipped += 1
                continue
            path = folder.trajectory(row["task_id"])
            if path.is_file() and _task_examples(out, row["task_id"], read_events(path), config):
                out.tasks_kept.add(row["task_id"])
        sources.append(
            {
                "folder": str(folder.path),
                "tasks": len(rows),
                "guidelines": [
                    {k: g.get(k) for k in ("kind", "name", "version", "text_sha")}
                    for g in folder.guidelines_used()
                ],
                **{name: len(items) - before[name] for name, items in out.examples.items()},
            }
        )
    return out, sources


def _kept(row: dict[str, Any], config: DistillDataConfig) -> bool:
    if row.get("status", FINISHED) != FINISHED:
        return False
    return config.tasks == "finished" or bool(row.get("success"))


def _task_examples(
    out: Extracted, task_id: str, events: list[dict[str, Any]], config: DistillDataConfig
) -> bool:
    """Add one task's examples; whether it had a compressor call of the wanted kind."""
    calls = [
        e
        for e in events
        if e["event"] == "compression"
        and e.get("ok")
        and e["kind"] in config.kinds
        and e["strategy"] in config.strategies
    ]
    if not calls:
        return False
    for call in calls:
        if "request" not in call:  # recorded before compressor exchanges were kept
            out.calls_without_request += 1
            continue
        out.add(
            "compressor",
            task_id,
            [*call["request"], {"role": "assistant", "content": call["reply"]}],
        )
    replies = [e for e in events if e["event"] == "agent_call"]
    for inputs, call in zip(replay_inputs(events), replies, strict=True):
        reply: dict[str, Any] = {"role": "assistant", "content": call.get("reply") or ""}
        if call.get("tool_calls"):
            reply["tool_calls"] = call["tool_calls"]
        out.add("agent", task_id, [*inputs, reply])
    return True


def split_tasks(task_ids: Iterable[str], val_fraction: float, seed: int) -> set[str]:
    """The validation tasks: a seeded shuffle's first `val_fraction` (at least one task
    when there are two or more and the fraction is not 0)."""
    ids = sorted(set(task_ids))
    random.Random(seed).shuffle(ids)
    n = round(len(ids) * val_fraction)
    if val_fraction > 0 and len(ids) >= 2:
        n = max(1, min(n, len(ids) - 1))
    return set(ids[:n])


def write_data(
    roots: Iterable[str | Path], config: DistillDataConfig, out_dir: str | Path
) -> dict[str, Any]:
    """Write the data sets and their card into `out_dir`; the card."""
    folders = rollout_folders(roots)
    if not folders:
        raise AconError(
            "distill.data.runs holds no rollout folder (results.jsonl beside trajectories/): "
            "point it at a run folder of acon-rollout or acon-main."
        )
    extracted, sources = extract(folders, config)
    if not extracted.examples["compressor"]:
        why = (
            f" ({extracted.calls_without_request} calls were recorded before compressor "
            f"requests were kept: rerun those rollouts)"
            if extracted.calls_without_request
            else ""
        )
        raise AconError(
            f"No compressor call of kinds {config.kinds} and strategies {config.strategies} "
            f"in a {config.tasks} task of {len(folders)} rollout folder(s){why}: run the "
            f"teacher with compression/history=guideline, or set distill.data.tasks=finished."
        )
    val = split_tasks(extracted.tasks_kept, config.val_fraction, config.seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict[str, Any]] = {}
    for name, items in extracted.examples.items():
        for part in ("train", "val"):
            chosen = [ex for task, ex in items if (task in val) == (part == "val")]
            write_jsonl(out / f"{name}_{part}.jsonl", chosen)
            counts[f"{name}_{part}"] = {"examples": len(chosen), **token_lengths(chosen)}
    card = {
        "sources": sources,
        "filter": {
            "tasks": config.tasks,
            "kinds": config.kinds,
            "strategies": config.strategies,
        },
        "tasks": {
            "kept": len(extracted.tasks_kept),
            "skipped": extracted.tasks_skipped,
            "train": sorted(extracted.tasks_kept - val),
            "val": sorted(val),
        },
        "duplicates_dropped": extracted.duplicates,
        "calls_without_request": extracted.calls_without_request,
        "files": counts,
        "format": 'JSONL, one {"messages": [...]} per line; the last message is the '
        "assistant's reply to learn",
        "token_counts": "cl100k_base, the whole example with chat framing",
    }
    (out / "card.json").write_text(json.dumps(card, indent=2))
    (out / "card.md").write_text(card_markdown(card))
    return card


def write_jsonl(path: Path, examples: list[Example]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for example in examples:
            f.write(json.dumps(example, ensure_ascii=False) + "\n")


def token_lengths(examples: list[Example]) -> dict[str, Any]:
    """cl100k tokens of chat examples (framing included): min, median, max."""
    tokens = [count_messages(ex["messages"]) for ex in examples]
    if not tokens:
        return {"tokens_min": None, "tokens_median": None, "tokens_max": None}
    return {
        "tokens_min": min(tokens),
        "tokens_median": statistics.median(tokens),
        "tokens_max": max(tokens),
    }


def card_markdown(card: dict[str, Any]) -> str:
    lines = [
        "# Distillation data",
        "",
        f"Tasks kept: {card['tasks']['kept']} ({card['filter']['tasks']} teacher tasks "
        f"with a compressor call; {card['tasks']['skipped']} left out); validation "
        f"tasks: {', '.join(card['tasks']['val']) or 'none'}. Duplicates dropped: "
        f"{card['duplicates_dropped']}.",
        "",
        "| file | examples | tokens min | median | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, c in card["files"].items():
        lines.append(
            f"| {name}.jsonl | {c['examples']} | {c['tokens_min']} | "
            f"{c['tokens_median']} | {c['tokens_max']} |"
        )
    lines += ["", "Sources:", ""]
    for s in card["sources"]:
        texts = (
            ", ".join(
                f"{g['kind']} {g['name']} v{g['version']} ({str(g['text_sha'])[:12]})"
                for g in s["guidelines"]
            )
            or "no guideline"
        )
        lines.append(
            f"- {s['folder']}: {s['tasks']} tasks, {s['compressor']} compressor and "
            f"{s['agent']} agent examples; {texts}"
        )
    return "\n".join(lines) + f"\n\nFormat: {card['format']}. Tokens: {card['token_counts']}.\n"
