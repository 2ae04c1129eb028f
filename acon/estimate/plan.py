"""What a job will call, before it calls anything: the rollouts each verb runs (the
optimizer's Algorithm 1 as acon.optimize.methods.acon runs it, then the main job's test
arms), each task stepped through by `simulate_task`, priced with the run's price table.

Assumptions, stated where a number depends on them: every configured round and step
runs; each step's best candidate is new (so the next step rolls its parent out again);
the contrastive set holds `success - compressed_success` of the training tasks (when
that rounds to none, UT falls back to the compressed failures, as the optimizer); a
candidate's tasks cost what the starting guideline's cost. A judge is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dspy
from omegaconf import DictConfig

from acon.config.build import typed
from acon.estimate.config import EstimateConfig
from acon.estimate.measured import measured
from acon.estimate.simulate import ROLES, Bill, simulate_task
from acon.guidelines import GuidelineRef
from acon.llm.config import resolve_role
from acon.llm.pricing import PriceTable
from acon.optimize.config import OptimizerConfig
from acon.optimize.evaluation import baseline_arms, baseline_configs
from acon.rollout import RolloutSpec, make_env
from acon.tokens import count_messages

if TYPE_CHECKING:
    from acon.composition.root import MainConfig  # acon-main's settings (the root sits above)


def capped(count: float, cap: int | None) -> float:
    """`count`, at most `cap` (a budget option; null: no cap, the paper's)."""
    return count if cap is None else min(count, cap)


CAPS = ("feedback_tasks", "feedback_sample", "selection_tasks")


def budget_caps(opt: OptimizerConfig) -> dict[str, Any]:
    """The optimizer's caps that are set (`optimizer.<name>`: value): where a run departs
    from the paper's protocol (feedback and selection on every task of the step's set)."""
    caps = {f"optimizer.{n}": getattr(opt, n) for n in CAPS if getattr(opt, n, None) is not None}
    budget = getattr(opt, "budget", None)
    for name, value in (vars(budget) if budget is not None else {}).items():
        if value is not None:
            caps[f"optimizer.budget.{name}"] = value
    return caps


@dataclass
class Estimate:
    verb: str
    bill: Bill
    usd: dict[str, float]
    models: dict[str, str]
    stages: dict[str, float]  # task rollouts per stage
    profile: dict[str, float]
    profile_source: str
    caps: dict[str, Any] | None = None  # the optimizer's budget caps that are set

    def to_dict(self) -> dict[str, Any]:
        roles = {
            r: vars(c) | {"usd": self.usd[r], "model": self.models[r]}
            for r, c in self.bill.roles.items()
        }
        return {
            "verb": self.verb,
            "task_rollouts": self.bill.tasks,
            "stages": self.stages,
            "roles": roles,
            "usd": sum(self.usd.values()),
            "profile": self.profile,
            "profile_source": self.profile_source,
            "caps": self.caps,
        }


class Planner:
    def __init__(self, cfg: DictConfig):
        """Typed here, once: the rollout as configured (RolloutSpec), the optimizer's and
        acon-main's settings, the per-task figures."""
        self.spec = RolloutSpec.of(cfg)
        self.opt: OptimizerConfig = typed(cfg.optimizer)
        self.main_settings: MainConfig = typed(cfg.main)
        conf: EstimateConfig = typed(cfg.estimate)
        self.profile = conf.profile
        self.source = "configured (conf/env)"
        if conf.measured_from:
            self.profile = measured(conf.profile, conf.measured_from)
            self.source = "measured from " + ", ".join(conf.measured_from)
        self.split_sizes = dict(conf.split_sizes)
        self.bill = Bill()
        self.stages: dict[str, float] = {}

    # -- building blocks -----------------------------------------------------------------

    def tasks(self, split: str, limit: int | None = None) -> int:
        if split not in self.split_sizes:
            env = make_env(self.spec.env)
            try:
                self.split_sizes[split] = len(env.tasks(split))
            finally:
                env.close()
        n = self.split_sizes[split]
        return min(n, limit) if limit else n

    def rollouts(self, stage: str, n: float, arm: RolloutSpec) -> Bill:
        """`n` task rollouts with `arm`'s compression; one task's bill."""
        strategies = arm.strategies
        one = simulate_task(
            self.profile, arm.agent, strategies["history"], strategies["observation"]
        )
        self.bill.add(one, n)
        self.stages[stage] = self.stages.get(stage, 0) + n
        return one

    def uncompressed(self) -> RolloutSpec:
        return self.spec.uncompressed()

    def guided(self, kind: str, guideline: GuidelineRef) -> RolloutSpec:
        """The rollout with `guideline` as the `kind` strategy's (the optimizer's arms)."""
        return self.spec.with_guideline(kind, guideline)

    capped = staticmethod(capped)  # for the methods' plans, which do not import this module

    def optimizer_prompt(self, prompt: float, completion: float, times: float) -> None:
        """`times` optimizer calls of a prompt that is not a DSPy program's (GEPA's own)."""
        if times > 0:
            self.bill.roles["optimizer"].add(prompt, completion, times)

    def optimizer_call(self, signature: Any, times: float, **inputs: float) -> None:
        """`times` calls of a DSPy program whose inputs have these token sizes."""
        if times <= 0:
            return
        empty = {name: "" for name in signature.input_fields}
        frame = count_messages(dspy.ChatAdapter().format(signature, demos=[], inputs=empty))
        proposes = {"new_guideline", "new_instructions"} & set(signature.output_fields)
        out = self.profile.proposal_tokens if proposes else self.profile.feedback_tokens
        self.bill.roles["optimizer"].add(frame + sum(inputs.values()), out, times)

    # -- the verbs -----------------------------------------------------------------------

    def rollout(self) -> None:
        chosen, run = self.spec.tasks, self.spec.run
        n = len(chosen.task_ids) if chosen.task_ids else self.tasks(chosen.split, chosen.limit)
        self.rollouts("rollout", n * max(len(run.seeds or []), 1), self.spec)

    def optimize(self) -> None:
        """The optimizer method's own plan (its config's `plan`, beside the method)."""
        self.opt.plan(self)

    def main(self) -> None:
        self.optimize()
        opt, main = self.opt, self.main_settings
        n = self.tasks(main.test_split, main.test_tasks)
        self.rollouts("test: no compression", n, self.uncompressed())
        baselines = baseline_configs(opt.kind, main.baselines, main.baseline_settings)
        for name, baseline in baseline_arms(self.spec, opt, baselines).items():
            self.rollouts(f"test: {name}", n, baseline)
        versions = opt.versions_planned() if main.every_step else 1
        guided = self.guided(opt.kind, opt.start)
        self.rollouts("test: starting and optimized guidelines", n * (1 + versions), guided)

    # -- the bill ------------------------------------------------------------------------

    def priced(self, verb: str) -> Estimate:
        prices = PriceTable.from_config(self.spec.models.pricing)
        usd, models = {}, {}
        for role in ROLES:
            c = self.bill.roles[role]
            models[role] = resolve_role(self.spec.models.llm, role).model
            usd[role] = prices.cost(
                models[role], round(c.prompt_tokens), 0, round(c.completion_tokens)
            )
        caps = budget_caps(self.opt) if verb in ("optimize", "main") else None
        return Estimate(
            verb, self.bill, usd, models, self.stages, vars(self.profile).copy(), self.source, caps
        )


def estimate(cfg: DictConfig, verb: str) -> Estimate:
    """What `verb` (rollout, optimize or main) will call with this config."""
    planner = Planner(cfg)
    getattr(planner, verb)()
    return planner.priced(verb)
