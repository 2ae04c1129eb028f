"""One task's LLM calls under a compression strategy, stepped through with the profile's
mean sizes: the same triggers as the agent's context (acon.agent.context), no model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from acon.agent.config import AgentConfig
from acon.compression.fifo import FifoConfig
from acon.compression.llmlingua import LinguaConfig
from acon.compression.retrieval import RetrievalConfig
from acon.compression.summary import SummaryConfig, frame_text
from acon.estimate.config import TaskProfile
from acon.guidelines.store import resolve
from acon.tokens import count_text

ROLES = ("agent", "compressor", "optimizer")


@dataclass
class Calls:
    """LLM calls of one role: how many, and their prompt and completion tokens."""

    calls: float = 0.0
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0

    def add(self, prompt: float, completion: float, times: float = 1.0) -> None:
        self.calls += times
        self.prompt_tokens += prompt * times
        self.completion_tokens += completion * times


@dataclass
class Bill:
    """Calls per role, added up over tasks and stages."""

    roles: dict[str, Calls] = field(default_factory=lambda: {r: Calls() for r in ROLES})
    tasks: float = 0.0  # task rollouts (a task run twice counts twice)
    # one task's: its last agent input without the system prompt, and what the compressor
    # wrote (the optimizer reads both)
    last_context: float = 0.0
    compressor_output: float = 0.0

    def add(self, other: Bill, times: float = 1.0) -> None:
        self.tasks += other.tasks * times
        for role, c in other.roles.items():
            mine = self.roles[role]
            mine.calls += c.calls * times
            mine.prompt_tokens += c.prompt_tokens * times
            mine.completion_tokens += c.completion_tokens * times


def _compressor_overhead(kind: str, strategy: Any) -> int:
    """The compressor's prompt around the text it compresses: guideline and frame."""
    return count_text(resolve(kind, strategy.guideline).text) + count_text(frame_text(kind)) + 10


def _observation(p: TaskProfile, threshold: int, strategy: Any, compressor: Calls,
                 overhead: int) -> float:  # fmt: skip
    """The expected size of one observation in the context, after its compression; the
    compressor's calls for it are added to `compressor` (a share of a call: expected)."""
    usual, share, long = p.observation_tokens, p.long_observation_share, p.long_observation_tokens
    if usual > threshold:  # every observation is a long one
        usual, share, long = 0, 1.0, usual
    if long <= threshold:
        share = 0.0
    if share and isinstance(strategy, SummaryConfig):
        compressor.add(overhead + p.task_tokens + p.action_tokens + long, p.summary_tokens, share)
        long = min(long, p.summary_tokens)
    elif isinstance(strategy, LinguaConfig):
        long = long * strategy.keep_ratio
    return (1 - share) * usual + share * long


def simulate_task(profile: TaskProfile, agent: AgentConfig, history: Any, observation: Any) -> Bill:
    """The expected calls of one task (`history` and `observation` are typed strategy
    configs): a mean of 3.7 steps is 30% tasks of 3 steps and 70% of 4, up to the limit."""
    compressed = any(getattr(s, "_target_", None) for s in (history, observation))
    mean_steps = profile.steps
    if compressed and profile.compressed_steps is not None:
        mean_steps = profile.compressed_steps
    steps = max(1.0, min(mean_steps, agent.max_steps))
    short, share = math.floor(steps), steps - math.floor(steps)
    if not share:
        return _steps(profile, agent, history, observation, short)
    bill = Bill()
    for n, weight in ((short, 1 - share), (short + 1, share)):
        one = _steps(profile, agent, history, observation, n)
        bill.add(one, weight)
        bill.last_context += one.last_context * weight
        bill.compressor_output += one.compressor_output * weight
    return bill


def _steps(profile: TaskProfile, agent: AgentConfig, history: Any, observation: Any,
           n: int) -> Bill:  # fmt: skip
    """One task of exactly `n` steps."""
    p, ctx = profile, agent.context
    bill = Bill(tasks=1)
    agent_calls, compressor = bill.roles["agent"], bill.roles["compressor"]
    observation_llm = isinstance(observation, SummaryConfig)
    history_llm = isinstance(history, SummaryConfig)
    history_on = history is not None and getattr(history, "_target_", None) is not None
    obs_overhead = _compressor_overhead("observation", observation) if observation_llm else 0
    hist_overhead = _compressor_overhead("history", history) if history_llm else 0
    summary, turns = 0, []  # tokens of the summary message, and of each kept turn
    for step in range(1, n + 1):
        agent_calls.add(p.system_tokens + p.task_tokens + summary + sum(turns) + 3,
                        p.action_tokens)  # fmt: skip
        if step == n:
            bill.last_context = p.task_tokens + summary + sum(turns) + p.action_tokens
            break  # the finishing reply adds nothing more
        obs = _observation(p, ctx.observation_threshold_tokens, observation, compressor,
                           obs_overhead)  # fmt: skip
        turns.append(p.action_tokens + obs + 8)  # the two messages' framing
        if history_on and p.task_tokens + summary + sum(turns) > ctx.history_threshold_tokens:
            keep = max(ctx.keep_last, 0)
            old, kept = turns[: len(turns) - keep], turns[len(turns) - keep :]
            if not old:
                continue  # only the turns kept raw: the strategy skips, nothing is called
            if history_llm:
                compressor.add(hist_overhead + p.task_tokens + summary + sum(old),
                               p.summary_tokens)  # fmt: skip
                summary, turns = p.summary_tokens + 8, kept
            elif isinstance(history, FifoConfig):
                turns = turns[-max(history.keep_turns, keep) :] if history.keep_turns else kept
            elif isinstance(history, RetrievalConfig):
                turns = turns[-(history.k + keep) :]
            elif isinstance(history, LinguaConfig):
                summary = round((summary + sum(old)) * history.keep_ratio)
                turns = kept
    bill.compressor_output = compressor.completion_tokens
    return bill
