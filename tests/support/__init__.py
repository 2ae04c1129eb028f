"""What many tests share: the scripted system every role can play (`brain.py`), process
helpers (`processes.py`), and the overrides below. Fixtures live in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acon.agent import AgentContext, ContextConfig

REPO_ROOT = Path(__file__).resolve().parents[2]  # the source checkout the tests run in


def scripted_overrides(fake: Any, tmp_path: Path, *more: str) -> list[str]:
    """Every role on the scripted endpoint `fake` (tests/support/brain.py), a fresh
    response cache and rollout store, and short facts pages."""
    return [
        f"llm.common.base_url={fake.base_url}",
        "llm.common.model=scripted",
        f"llm.cache.dir={tmp_path / 'responses'}",
        f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
        "env.filler_lines=4",
        *more,
    ]


def tracking_overrides(store: tuple[str, Path]) -> list[str]:
    """Log to the given (uri, artifacts dir) store."""
    uri, artifacts = store
    return [f"tracking.uri={uri}", f"tracking.artifacts_dir={artifacts}"]


def optimizer_overrides(fake: Any, tmp_path: Path, *more: str) -> list[str]:
    """The scripted optimization the optimizer tests share: history compression that
    loses records unless its guideline says to keep them (brain.py), 4 facts tasks."""
    return scripted_overrides(
        fake,
        tmp_path,
        "compression/history=guideline",
        "agent.context.history_threshold_tokens=250",
        "agent.max_steps=6",
        "optimizer.n_tasks=4",
        "optimizer.selection_tasks=4",
        *more,
    )


def agent_context(
    threshold: int = 10_000,
    keep_last: int = 1,
    history: Any = None,
    observation: Any = None,
    obs_threshold: int = 50,
) -> AgentContext:
    """An agent's context with these triggers and strategies, on a fixed task."""
    settings = ContextConfig(
        history_threshold_tokens=threshold,
        keep_last=keep_last,
        observation_threshold_tokens=obs_threshold,
    )
    return AgentContext("system prompt", "the task", settings, history, observation)


def fill(ctx: AgentContext, n: int, text: str = "some observation text " * 5) -> None:
    """Add `n` turns (action i, a fixed observation + i)."""
    for i in range(1, n + 1):
        ctx.add(i, f"action {i}", f"{text} {i}")


def history_tokens_after(n: int) -> int:
    """The history's tokens after `fill(ctx, n)` with no compression."""
    ctx = agent_context()
    fill(ctx, n)
    return ctx.history_tokens


class OneRoleLLMs:
    """An LLM session stand-in that offers one role's `client` (the compressor's by default)."""

    def __init__(self, client: Any, role: str = "compressor"):
        self._client, self._role = client, role

    def client(self, role: str) -> Any:
        assert role == self._role
        return self._client


def optimize_composed(cfg: Any, llms: Any, folder: Any, **hooks: Any) -> Any:
    """`acon.optimize.optimize` on a composed config, as acon-optimize calls it (the
    rollout it optimizes, typed once; the method's config)."""
    from acon.config.build import typed
    from acon.optimize import optimize
    from acon.rollout import RolloutSpec

    return optimize(RolloutSpec.of(cfg), typed(cfg.optimizer), llms, folder, **hooks)
