"""Turn recorded trajectories into the texts the optimizer reads.

The full context is the uncompressed run's last agent input; the compressed context is
the compressed run's last input plus what its compressor produced (summaries, or raw and
refined observations). The optimizer sees them whole (the paper's setting), unless one
would not fit its model's window (or `optimizer.max_context_tokens` caps it): then each
keeps its head and tail within the budget, in cl100k tokens, and the cut is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from acon.llm.config import RoleConfig
from acon.run_folder import RunFolder
from acon.tokens import clip_tokens
from acon.trajectory import read_events, replay_inputs

OUTCOME_TOKENS = 40  # the line that states a run's outcome (`outcome`), as the estimate sizes it

log = logging.getLogger(__name__)
# What else an optimizer prompt holds (the signature's instructions, the guideline, the
# task), and how many contexts share the rest (a contrastive prompt: the full context,
# the compressor's outputs and the compressed context).
PROMPT_RESERVE_TOKENS = 2000
CONTEXTS_PER_PROMPT = 3


def context_budget(cap: int | None, optimizer: RoleConfig, server_ctx: int) -> int | None:
    """Tokens per context shown to the optimizer: `cap` (optimizer.max_context_tokens) or
    what fits its model's window, whichever is smaller; None: whole contexts."""
    window = optimizer.context_window or (server_ctx if optimizer.local_model else None)
    fits = None
    if window is not None:
        room = window - optimizer.max_tokens - PROMPT_RESERVE_TOKENS
        fits = max(room // CONTEXTS_PER_PROMPT, 256)
    limits = [n for n in (cap, fits) if n]
    return min(limits) if limits else None


def clip(text: str, max_tokens: int | None, what: str = "context") -> str:
    if max_tokens is None:
        return text
    clipped, cut = clip_tokens(text, max_tokens)
    if cut:
        log.info("The optimizer sees %s cut by %d tokens to %d", what, cut, max_tokens)
    return clipped


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


def full_text(folder: RunFolder, row: dict[str, Any], max_tokens: int | None) -> str:
    task = row["task_id"]
    context = clip(last_context(folder, task), max_tokens, f"{task}'s full context")
    return context + "\n\n" + outcome(row)


def compressed_text(folder: RunFolder, row: dict[str, Any], max_tokens: int | None) -> str:
    task = row["task_id"]
    compressed = clip(compressor_outputs(folder, task), max_tokens, f"{task}'s compressor outputs")
    final = clip(last_context(folder, task), max_tokens, f"{task}'s compressed context")
    body = f"What the compressor produced:\n{compressed}\n\n"
    body += f"The agent's last context:\n{final}"
    return body + "\n\n" + outcome(row)
