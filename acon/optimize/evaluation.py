"""Rollouts of a guideline (or of no compression) on training tasks, each configuration
paid for once.

Each configuration's rollouts live in the shared rollout store (`optimizer.rollouts_dir`,
acon.rollout.store), in a folder named by everything that can change their numbers, so a
baseline or a candidate evaluated by an earlier optimization, or before an interruption,
is not run again; the LLM response cache covers partly finished tasks. Only finished
tasks count: an errored one is left out (and named) and runs again next time.

The optimizer picks the compression it optimizes by itself: the optimized kind uses the
configured strategy when it follows a guideline (`guideline`, `prompting`, `hybrid`,
`memento`'s instructions, `offload`'s gist and findings), and the `guideline` strategy
with its defaults otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from acon.compression.base import StrategyConfig
from acon.config.build import typed
from acon.config.schemas import InvalidSetting, option
from acon.environment import Task
from acon.errors import AconError
from acon.guidelines import GuidelineRef, GuidelineStore, text_sha
from acon.llm.session import LLMSession
from acon.optimize.config import OptimizerConfig
from acon.rollout import RolloutSpec, TaskSelection, rollout
from acon.rollout.store import RolloutStore
from acon.run_folder import RunFolder

log = logging.getLogger(__name__)
Rows = dict[str, dict[str, Any]]


@dataclass
class Evaluated:
    """A configuration's rollouts on some tasks: the finished ones' rows, by task id."""

    rows: Rows
    folder: RunFolder
    errored: list[str] = field(default_factory=list)


def baseline_configs(
    kind: str, names: list[str], settings: dict[str, Any]
) -> dict[str, StrategyConfig]:
    """`main.baselines` as typed strategy configs of `kind`, each with its
    `main.baseline_settings` over its defaults; a typo is one sentence, before anything runs."""
    for name in settings:  # a typo, even for a strategy not run this time
        option(f"compression/{kind}", name)
    configs = {}
    for name in names:
        node = OmegaConf.structured(option(f"compression/{kind}", name))
        try:
            configs[name] = typed(OmegaConf.merge(node, settings.get(name) or {}))
        except OmegaConfBaseException as exc:
            raise AconError(
                f"main.baseline_settings.{name} does not fit compression/{kind}={name} "
                f"({str(exc).splitlines()[0]}): use its settings "
                f"(conf/compression/{kind}/{name}.yaml)."
            ) from exc
        except InvalidSetting as exc:  # the strategy's own check: name the baseline's keys
            where = f"main.baseline_settings.{name}."
            raise AconError(
                f"{where}{exc.field}={exc.value!r} is not valid: "
                f"{exc.accepts.replace(f'compression.{kind}.', where)}."
            ) from exc
    return configs


def baseline_arms(
    spec: RolloutSpec, opt: OptimizerConfig, baselines: dict[str, StrategyConfig]
) -> dict[str, RolloutSpec]:
    """`spec` once per baseline strategy (`baseline_configs`), in the optimized kind, less
    one whose row would be the start's own (Prompting is the start: one row, not two)."""
    start = spec.with_guideline(opt.kind, opt.start).label
    arms = {}
    for name, strategy in baselines.items():
        arm = spec.with_strategy(opt.kind, strategy)
        if arm.label == start:
            log.info("Baseline %s is the starting guideline: its row is the start's.", name)
            continue
        arms[name] = arm
    return arms


class RolloutsSpent(AconError):
    """The method's rollout budget (optimizer.budget.max_rollouts) cannot pay for the next
    evaluation: the method stops there, keeping its best so far."""


class CandidateEvaluator:
    def __init__(
        self,
        spec: RolloutSpec,
        llms: LLMSession,
        kind: str,
        rollouts_dir: str | Path,
        split: str,
        max_rollouts: int | None = None,
    ):
        self.spec = spec  # the rollout a candidate varies: its guideline of `kind`, its tasks
        self.max_rollouts = max_rollouts
        self._asked: set[tuple[str, str]] = set()  # (configuration's key, task id)
        self.llms = llms
        self.kind = kind
        self.split = split
        self.store = RolloutStore(rollouts_dir)
        # candidate texts are files too (a strategy reads its guideline from a store)
        self.texts = GuidelineStore(Path(rollouts_dir) / "guidelines")

    def baseline(self, tasks: list[Task]) -> Evaluated:
        """Rollouts without any compression."""
        return self._run(self.spec.uncompressed(), tasks)

    def guideline(self, text: str, tasks: list[Task]) -> Evaluated:
        """Rollouts with `text` as the guideline of the optimized kind; the other kind's
        compression stays as configured."""
        name = f"g-{text_sha(text)[:12]}"
        if not self.texts.versions(self.kind, name):
            self.texts.add(self.kind, name, text)
        ref = GuidelineRef(name=name, version="1", dir=str(self.texts.root))
        return self._run(self.spec.with_guideline(self.kind, ref), tasks)

    @property
    def rollouts(self) -> int:
        """Distinct task rollouts asked for (a configuration's task, once, however often it
        is asked for again; one the store held from an earlier run counts)."""
        return len(self._asked)

    def _run(self, spec: RolloutSpec, tasks: list[Task]) -> Evaluated:
        spec = spec.with_tasks(TaskSelection(self.split, task_ids=tuple(t.id for t in tasks)))
        folder = self.store.folder(spec)  # named by the configuration's key
        new = {(folder.path.name, t.id) for t in tasks} - self._asked
        if self.max_rollouts is not None and self.rollouts + len(new) > self.max_rollouts:
            raise RolloutsSpent(
                f"the rollout budget (optimizer.budget.max_rollouts={self.max_rollouts}) is "
                f"spent: {self.rollouts} asked for, {len(new)} more needed"
            )
        self._asked |= new
        result = rollout(spec, folder, self.llms)
        finished = result.finished
        errored = [t.id for t in tasks if t.id not in finished]
        if errored:
            log.warning(
                "%d task(s) errored in %s and are left out: %s",
                len(errored),
                folder.path,
                result.errors_summary(),
            )
        return Evaluated({t.id: finished[t.id] for t in tasks if t.id in finished}, folder, errored)
