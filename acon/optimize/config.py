"""What every optimizer method shares (`optimizer:`); each method's schema adds its own
settings (acon/optimize/methods/<method>.py, conf/optimizer/<method>.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from acon.config.schemas import OPERATIONAL, InvalidSetting, check_choice, check_positive
from acon.errors import AconError
from acon.guidelines import KINDS, GuidelineRef
from acon.optimize.leakage import LeakageConfig
from acon.optimize.rules import RULE_KINDS

if TYPE_CHECKING:  # the estimate sits above the optimizer: it calls `plan` with itself
    from acon.estimate.plan import Planner


@dataclass
class BudgetConfig:
    """Limits on live LLM calls (cache hits are free), checked before each call; and on the
    task rollouts a method asks for, its training rollouts included, checked before each
    evaluation (one the rollout store already holds counts too: methods compared at one
    budget get the same number of evaluations, whatever an earlier run left behind)."""

    max_calls: int | None = None
    max_tokens: int | None = None
    max_usd: float | None = None
    max_rollouts: int | None = None

    def __post_init__(self) -> None:
        check_positive("max_rollouts", self.max_rollouts)


@dataclass
class OptimizerConfig:
    _target_: str = ""
    kind: str = "history"  # which guideline is optimized: history | observation
    start: GuidelineRef = field(default_factory=GuidelineRef)  # the guideline to start from
    name: str = "acon-opt"  # the optimized guideline's name in <run>/guidelines
    split: str = "train"
    n_tasks: int = 10  # training tasks rolled out with and without compression
    # Selection runs where the paper's does: UT on the whole contrastive set, CO on all the
    # compressed successes. A budget cap: at most this many of them; null (the paper's): all.
    selection_tasks: int | None = None
    # true: other training tasks fill the subset up to selection_tasks.
    pad_selection: bool = False
    # The contrastive set is the paper's: tasks that succeed without compression and fail
    # with it, "success" as the benchmark defines it (QA: env.success_em). An option for
    # score-valued benchmarks (QA's F1): a task is contrastive if compression costs it more
    # than this.
    score_drop: float | None = None
    # Tokens per context shown to the optimizer; null: whole (the paper's), cut only to fit
    # the optimizer model's window (llm.optimizer.context_window; a local model's ctx_size)
    max_context_tokens: int | None = None
    # Candidates are independent samples (seed + i); this temperature is sent where the
    # endpoint takes one (reasoning models do not).
    temperature: float = 0.7
    seed: int = 42
    rollouts_dir: str = field(default="${paths.cache_dir}/rollouts", metadata=OPERATIONAL)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    # every candidate is checked for training-task text before it is evaluated
    leakage: LeakageConfig = field(default_factory=LeakageConfig)
    # the kinds of information a rule may name (the `edits` proposals, acon.optimize.rules):
    # name -> the words its rule uses; empty: the shipped list (answers, ids, numbers,
    # names, errors, progress, raw_outputs). Your own: +optimizer.rule_kinds={name: words}
    rule_kinds: dict[str, str] = field(default_factory=dict)

    def kinds(self) -> dict[str, str]:
        return dict(self.rule_kinds) or dict(RULE_KINDS)

    def plan(self, planner: Planner) -> None:
        """What the method will call, for the cost estimate (acon.estimate.plan): its
        rollouts (`planner.rollouts`) and optimizer calls, each method's own loop."""
        raise AconError(f"{type(self).__name__} has no cost estimate: give it a `plan`.")

    def versions_planned(self) -> int:
        """Guideline versions `main.every_step` tests (one per step of the plan)."""
        return 1

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)
        check_positive("n_tasks", self.n_tasks)
        check_positive("selection_tasks", self.selection_tasks)
        if self.pad_selection and self.selection_tasks is None:
            raise InvalidSetting(
                "pad_selection", True, "set optimizer.selection_tasks, the size to pad up to"
            )
        check_positive("max_context_tokens", self.max_context_tokens)
