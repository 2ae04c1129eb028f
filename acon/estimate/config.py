"""`estimate:` in the config: what one task costs on a benchmark, in the figures the
estimate multiplies, configured per benchmark (`estimate.profile` in conf/env/<name>.yaml)
or measured from earlier runs (`estimate.measured_from`). Tokens are cl100k_base."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from acon.config.schemas import InvalidSetting, check_positive


@dataclass
class TaskProfile:
    """Means per task. The context grows by `action_tokens + observation_tokens` a step."""

    steps: float = 20.0  # agent steps of an uncompressed run (each one agent call)
    compressed_steps: float | None = None  # ... of a compressed one; null: as `steps`
    system_tokens: int = 1500  # the agent's system prompt (tools, format, example)
    task_tokens: int = 150  # the task message
    action_tokens: int = 80  # one agent reply
    observation_tokens: int = 300  # one observation, the usual kind
    # observations past the observation threshold (a long page, a big API result): their
    # share of all observations, and their size
    long_observation_share: float = 0.0
    long_observation_tokens: int = 2000
    success: float = 0.5  # share of tasks solved without compression
    compressed_success: float = 0.4  # ... with the starting guideline
    summary_tokens: int = 300  # one compressor reply (reasoning and the compressed text)
    feedback_tokens: int = 500  # one optimizer feedback or usage-analysis reply
    proposal_tokens: int = 600  # one optimizer proposal reply (reasoning and the guideline)

    def __post_init__(self) -> None:
        for f in fields(self):
            check_positive(f.name, getattr(self, f.name), zero=True)
        for name in ("success", "compressed_success", "long_observation_share"):
            if getattr(self, name) > 1:
                raise InvalidSetting(name, getattr(self, name), "use a share in [0, 1]")


@dataclass
class EstimateConfig:
    """The figures a job's estimate multiplies (`dry_run=true` prints it and stops)."""

    profile: TaskProfile = field(default_factory=TaskProfile)
    # run folders whose rows replace the profile's figures (measured beats configured)
    measured_from: list[str] = field(default_factory=list)
    # tasks per split where the benchmark's data is not installed here (the paper's
    # AppWorld: +estimate.split_sizes={train:90,test:168}, with the `+` of a new key); a
    # split not listed is counted from the benchmark
    split_sizes: dict[str, int] = field(default_factory=dict)
