"""Turn recorded trajectories into the texts the optimizer reads.

The full context is the uncompressed run's last agent input; the compressed context is
the compressed run's last input plus what its compressor produced (summaries, or raw and
refined observations). Long texts keep their head and tail within `max_chars`.
"""

from __future__ import annotations

from typing import Any

from acon.run_folder import RunFolder
from acon.trajectory import read_events, replay_inputs


def clip(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    return f"{text[:half]}\n[... {len(text) - max_chars} characters cut ...]\n{text[-half:]}"


def outcome(row: dict[str, Any]) -> str:
    return (
        f"Outcome: score {row['score']:.2f}, {'success' if row['success'] else 'failure'}, "
        f"ended by {row['end_reason']} after {row['steps']} steps, peak context "
        f"{row['peak_tokens']} tokens."
    )


def render_messages(messages: list[dict[str, Any]]) -> str:
    return "\n\n".join(f"[{m['role']}]\n{m.get('content') or ''}" for m in messages)


def last_context(folder: RunFolder, task_id: str) -> str:
    """The last agent input (system prompt left out) and the reply to it."""
    events = read_events(folder.trajectory(task_id))
    inputs = replay_inputs(events)
    if not inputs:
        return "(no agent call was recorded)"
    replies = [e["reply"] for e in events if e["event"] == "agent_call"]
    return render_messages(inputs[-1][1:]) + f"\n\n[final reply]\n{replies[-1]}"


def compressor_outputs(folder: RunFolder, task_id: str) -> str:
    parts = []
    for e in read_events(folder.trajectory(task_id)):
        if e["event"] != "compression":
            continue
        if not e["ok"]:
            parts.append(f"Step {e['step']} ({e['kind']}): the compressor failed: {e['error']}")
        elif e["kind"] == "history":
            parts.append(f"Step {e['step']} history summary:\n{e['summary']}")
        else:
            parts.append(
                f"Step {e['step']} observation:\n{e['input']}\n-- refined to --\n{e['output']}"
            )
    return "\n\n".join(parts) or "(the compressor was never called)"


def full_text(folder: RunFolder, row: dict[str, Any], max_chars: int) -> str:
    return clip(last_context(folder, row["task_id"]), max_chars) + "\n\n" + outcome(row)


def compressed_text(folder: RunFolder, row: dict[str, Any], max_chars: int) -> str:
    compressed = compressor_outputs(folder, row["task_id"])
    final = last_context(folder, row["task_id"])
    body = f"What the compressor produced:\n{clip(compressed, max_chars // 2)}\n\n"
    body += f"The agent's last context:\n{clip(final, max_chars // 2)}"
    return body + "\n\n" + outcome(row)
