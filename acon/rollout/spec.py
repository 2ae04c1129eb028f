"""What a rollout runs, typed and resolved once at the command's edge (`RolloutSpec.of`):
the benchmark, the agent, each kind's strategy with its guideline's text pinned, which
tasks, the models, and how the run goes (workers, backend, stop rule, resume). The
rollout, its backends (threads and Ray actors), the rollout store's key and the resume
check see this and nothing else of the composed config."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from acon.agent.config import AgentConfig
from acon.compression.base import NoHistoryCompression, NoObservationCompression, StrategyConfig
from acon.compression.labels import method_of
from acon.compression.summary import (
    GuidelineHistoryConfig,
    GuidelineObservationConfig,
    SummaryConfig,
)
from acon.config.build import typed
from acon.config.naming import benchmark_name, flatten, to_plain
from acon.environment import EnvConfig, Task
from acon.errors import AconError
from acon.guidelines import KINDS, GuidelineRef, text_sha
from acon.guidelines.store import resolve
from acon.llm.session import ModelSettings
from acon.rollout.config import RolloutConfig


@dataclass(frozen=True)
class TaskSelection:
    """Which tasks of a split run: `task_ids` when given, else the first `limit` (None:
    all). The one setting is `rollout.limit` / `rollout.task_ids`; a verb that picks its
    own tasks (acon-main's test arms, the optimizer's rollouts) makes its own selection."""

    split: str
    limit: int | None = None
    task_ids: tuple[str, ...] | None = None

    def select(self, tasks: list[Task]) -> list[Task]:
        if self.task_ids:
            by_id = {t.id: t for t in tasks}
            missing = [i for i in self.task_ids if i not in by_id]
            if missing:
                raise AconError(f"Unknown task id(s) {', '.join(missing)}: fix rollout.task_ids.")
            return [by_id[i] for i in self.task_ids]
        return tasks[: self.limit] if self.limit else tasks


@dataclass(frozen=True)
class RolloutSpec:
    benchmark: str
    env: EnvConfig  # the benchmark's own schema
    agent: AgentConfig
    strategies: dict[str, StrategyConfig]  # kind -> strategy; a guideline's text pinned
    tasks: TaskSelection
    models: ModelSettings
    run: RolloutConfig  # workers, backend, stop rule, resume, seeds
    config: dict[str, Any]  # the composed config, resolved, as the run folder records it

    @classmethod
    def of(cls, cfg: DictConfig) -> RolloutSpec:
        """The rollout a composed config describes (`rollout.split`, `.limit`, `.task_ids`
        select its tasks)."""
        run: RolloutConfig = typed(cfg.rollout)
        ids = tuple(run.task_ids) if run.task_ids else None
        return cls(
            benchmark=benchmark_name(cfg),
            env=typed(cfg.env),
            agent=typed(cfg.agent),
            strategies={kind: _pinned(kind, typed(cfg.compression[kind])) for kind in KINDS},
            tasks=TaskSelection(str(run.split), run.limit, ids),
            models=ModelSettings.of(cfg),
            run=run,
            config=to_plain(cfg),
        )

    def with_strategy(self, kind: str, strategy: StrategyConfig) -> RolloutSpec:
        """This rollout with `kind` compressed by `strategy` (its guideline pinned; the
        record keeps the reference as given)."""
        compression = {**self.config["compression"], kind: to_plain(OmegaConf.structured(strategy))}
        return dataclasses.replace(
            self,
            strategies={**self.strategies, kind: _pinned(kind, strategy)},
            config={**self.config, "compression": compression},
        )

    def uncompressed(self) -> RolloutSpec:
        """This rollout with no compression of either kind."""
        return self.with_strategy("history", NoHistoryCompression()).with_strategy(
            "observation", NoObservationCompression()
        )

    def with_guideline(self, kind: str, ref: GuidelineRef) -> RolloutSpec:
        """This rollout with `kind` following the guideline `ref`: the configured strategy
        when it follows a guideline (guideline, prompting, hybrid, memento, offload), else
        the `guideline` strategy with its defaults."""
        current = self.strategies[kind]
        if isinstance(current, SummaryConfig):
            return self.with_strategy(kind, dataclasses.replace(current, guideline=ref))
        return self.with_strategy(kind, GUIDELINE_CONFIGS[kind](guideline=ref))

    def with_tasks(self, tasks: TaskSelection) -> RolloutSpec:
        """This rollout on other tasks (a verb that picks its own: the optimizer's
        training tasks, acon-main's test split)."""
        ids = list(tasks.task_ids) if tasks.task_ids else None
        run = dataclasses.replace(self.run, split=tasks.split, limit=tasks.limit, task_ids=ids)
        chosen = {"split": tasks.split, "limit": tasks.limit, "task_ids": ids}
        return dataclasses.replace(
            self,
            tasks=tasks,
            run=run,
            config={**self.config, "rollout": {**self.config["rollout"], **chosen}},
        )

    @property
    def label(self) -> str:
        """The row label of this rollout's method (acon.compression.labels), from its
        record, as the report reads it back."""
        return method_of(
            flatten({"compression": self.config["compression"], "agent": self.config["agent"]})
        )

    def guidelines_used(self) -> list[dict[str, Any]]:
        """The guideline each kind's strategy follows: kind, name, version, text and its
        sha, for the run's record and the report."""
        used = []
        for kind, config in self.strategies.items():
            if (ref := getattr(config, "guideline", None)) is not None:
                g = resolve(kind, ref)  # the pinned text: no store is read again
                used.append(
                    {
                        "kind": kind,
                        "name": g.name,
                        "version": g.version,
                        "text_sha": text_sha(g.text),
                        "text": g.text,
                    }
                )
        return used


GUIDELINE_CONFIGS: dict[str, type[SummaryConfig]] = {
    "history": GuidelineHistoryConfig,
    "observation": GuidelineObservationConfig,
}


def _pinned(kind: str, strategy: StrategyConfig) -> StrategyConfig:
    """`strategy` with its guideline (if it follows one) read once: its version number and
    text fixed, so every reader in the run (the compressor, the key, the record) sees the
    same text even if the store's `latest` or `best` moves meanwhile."""
    ref = getattr(strategy, "guideline", None)
    if ref is None or ref.text is not None:
        return strategy
    guideline = resolve(kind, ref)
    pinned = dataclasses.replace(ref, version=str(guideline.version), text=guideline.text)
    return dataclasses.replace(strategy, guideline=pinned)  # type: ignore[call-arg]
