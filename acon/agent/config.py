"""The agent's settings (`agent:` in the config), typed: its step limit, and its context's
compression triggers (`agent.context`), which every compression strategy shares. A
benchmark sets its own values in `conf/env/<name>.yaml` (the paper's thresholds)."""

from __future__ import annotations

from dataclasses import dataclass, field

from acon.agent.action_pads import ActionPadsConfig
from acon.config.schemas import InvalidSetting, check_positive


@dataclass
class ContextConfig:
    """When compression fires. History: once everything after the system prompt passes
    `history_threshold_tokens` (cl100k), all but the last `keep_last` turns are replaced.
    Observation: one observation longer than `observation_threshold_tokens`.

    `background`: history compaction starts at that (soft) threshold in a thread of its own
    while the agent goes on acting on the full context, and its result is spliced in when
    ready; an observation enters raw and its compressed form replaces it when ready; past
    `hard_threshold_tokens` the agent waits for them."""

    history_threshold_tokens: int = 4096
    observation_threshold_tokens: int = 1024
    keep_last: int = 1  # the last action/observation pairs always kept raw
    background: bool = False
    hard_threshold_tokens: int | None = None  # null: 1.5 x history_threshold_tokens

    def __post_init__(self) -> None:
        check_positive("history_threshold_tokens", self.history_threshold_tokens, zero=True)
        check_positive("observation_threshold_tokens", self.observation_threshold_tokens, zero=True)
        check_positive("keep_last", self.keep_last, zero=True)
        check_positive("hard_threshold_tokens", self.hard_threshold_tokens)
        if self.hard_threshold_tokens is not None and (
            self.hard_threshold_tokens < self.history_threshold_tokens
        ):
            raise InvalidSetting(
                "hard_threshold_tokens",
                self.hard_threshold_tokens,
                "at least history_threshold_tokens (the soft threshold)",
            )

    @property
    def hard_threshold(self) -> int:
        """Where a background compaction makes the agent wait (cl100k tokens)."""
        if self.hard_threshold_tokens is not None:
            return self.hard_threshold_tokens
        return self.history_threshold_tokens * 3 // 2


@dataclass
class AgentConfig:
    max_steps: int = 30  # the last step admits only the finish tool
    max_tokens: int | None = None  # per reply; null: the agent role's default
    context: ContextConfig = field(default_factory=ContextConfig)
    action_pads: ActionPadsConfig = field(default_factory=ActionPadsConfig)

    def __post_init__(self) -> None:
        check_positive("max_steps", self.max_steps)
        check_positive("max_tokens", self.max_tokens)
