"""One task's LLM calls under a compression strategy, stepped through with the profile's
mean sizes: the same triggers as the agent's context (acon.agent.context), no model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from acon.agent.config import AgentConfig
from acon.compression.base import SizedHistory, SizedObservation, StrategyConfig
from acon.estimate.config import TaskProfile

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


def _observation(p: TaskProfile, threshold: int, strategy: StrategyConfig, bill: Bill) -> float:
    """The expected size of one observation in the context, after its compression; the
    calls compressing it are added to `bill` (a share of a call: expected)."""
    usual: float = p.observation_tokens
    share, long = p.long_observation_share, float(p.long_observation_tokens)
    if usual > threshold:  # every observation is a long one
        usual, share, long = 0, 1.0, usual
    if long <= threshold or not share:
        return usual
    sized = SizedObservation(long, p.task_tokens, p.action_tokens, p.summary_tokens)
    long = strategy.simulate_observation(sized)
    _charge(bill, sized.calls, share)
    return (1 - share) * usual + share * long


def _charge(bill: Bill, calls: list[tuple[str, float, float]], times: float = 1.0) -> None:
    for role, prompt, completion in calls:
        bill.roles[role].add(prompt, completion, times)
    calls.clear()


def simulate_task(
    profile: TaskProfile, agent: AgentConfig, history: StrategyConfig, observation: StrategyConfig
) -> Bill:
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


def _steps(
    profile: TaskProfile,
    agent: AgentConfig,
    history: StrategyConfig,
    observation: StrategyConfig,
    n: int,
) -> Bill:
    """One task of exactly `n` steps: each strategy sizes its own work (its config's
    `simulate` and `simulate_observation`, beside the code they describe)."""
    p, ctx = profile, agent.context
    bill = Bill(tasks=1)
    sized = SizedHistory(
        task=p.task_tokens,
        summary=0,
        turns=[],
        keep_last=max(ctx.keep_last, 0),
        threshold=ctx.history_threshold_tokens,
        action=p.action_tokens,
        reply=p.summary_tokens,
    )
    for step in range(1, n + 1):
        bill.roles["agent"].add(p.system_tokens + sized.tokens + 3, p.action_tokens)
        if step == n:
            bill.last_context = sized.tokens + p.action_tokens
            break  # the finishing reply adds nothing more
        obs = _observation(p, ctx.observation_threshold_tokens, observation, bill)
        sized.turns.append(p.action_tokens + obs + 8)  # the two messages' framing
        if sized.tokens > ctx.history_threshold_tokens:
            history.simulate(sized)
            _charge(bill, sized.calls)
    bill.compressor_output = bill.roles["compressor"].completion_tokens
    return bill
