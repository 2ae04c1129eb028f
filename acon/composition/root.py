"""The root config's schema (`conf/config.yaml` lists it first). Blocks that belong to one
package are typed there (`llm`, `agent`, `rollout`, `tracking`); the rest is here.
Group nodes whose type depends on the option chosen (`env`, `optimizer`, the compression
strategies, the rollout backend) are typed by that option's own schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from acon.agent.config import AgentConfig
from acon.compilation.config import CompilationConfig
from acon.config.schemas import check_choice, check_positive
from acon.distill.config import DistillConfig
from acon.estimate.config import EstimateConfig
from acon.llm.config import LLMConfig
from acon.llm.models import LocalModelConfig
from acon.llm.pricing import PricingConfig
from acon.rollout.config import RolloutConfig
from acon.tracking.settings import TrackingConfig


@dataclass
class PathsConfig:
    # Shared by every clone: assembled model files and cached LLM responses.
    cache_dir: str = "${oc.env:ACON_CACHE_DIR,${oc.env:HOME}/.cache/acon}"
    models_dir: str = "${paths.cache_dir}/models"
    # Benchmark data, read in place (tests and CI have it at ../shared/data).
    data_dir: str = "${oc.env:ACON_DATA_DIR,${acon_project:}/../shared/data}"


@dataclass
class CompressionConfig:
    """Each kind's strategy, typed by its option (`compression/history=fifo`)."""

    history: Any = MISSING
    observation: Any = MISSING


REPORT_SOURCES = ("store", "folders", "rows")


@dataclass
class ReportConfig:
    """Tables (Markdown, CSV) and figures (PNG) from finished rollouts (`acon-report`)."""

    # store: the MLflow tracking store; folders: run folders; rows: the per-task rows a
    # report wrote beside its tables (rows.csv), to re-derive committed tables
    source: str = "store"
    experiments: list[str] | None = None  # store: experiment names (e.g. [acon/qa]); null: all
    where: str | None = None  # store: an MLflow filter on top, e.g. params.rollout.split = "test"
    runs: list[str] = field(
        default_factory=lambda: ["${acon_project:}/runs", "${acon_project:}/multirun"]
    )  # folders, rows: where to look
    out: str = "${acon_project:}/results"

    def __post_init__(self) -> None:
        check_choice("source", self.source, REPORT_SOURCES)


@dataclass
class ExportConfig:
    """Which guideline `acon-export` writes, and where."""

    kind: str = "history"
    name: str = "acon-opt"
    version: str = "best"  # a number, latest, or an alias
    dir: str | None = None  # the guideline folder (an optimization's <run>/guidelines)
    out: str = "${acon_project:}/results/export"

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, ("history", "observation"))


@dataclass
class MainConfig:
    """`acon-main`: optimize on the training split, then compare on the test split."""

    test_split: str = "test"
    test_tasks: int | None = 10
    # more test arms: these strategies of the optimized kind (the paper's baselines, e.g.
    # [fifo, retrieval, llmlingua]; Prompting is the start's own row) ...
    baselines: list[str] = field(default_factory=list)
    # ... each with these settings over its defaults (e.g. {retrieval: {k: 4}}; a strategy
    # not in `baselines` is not run)
    baseline_settings: dict[str, Any] = field(default_factory=dict)
    # ... and the best guideline after every step (the paper's UT and UT+CO rows), not
    # only the final best
    every_step: bool = False

    def __post_init__(self) -> None:
        check_positive("test_tasks", self.test_tasks)


@dataclass
class CheckConfig:
    """The short end-to-end check of the LLM layer (`acon-check`)."""

    roles: list[str] = field(default_factory=lambda: ["agent", "compressor", "optimizer", "judge"])


@dataclass
class RootConfig:
    llm: LLMConfig = field(default_factory=LLMConfig)
    pricing: PricingConfig = field(default_factory=PricingConfig)
    local_models: dict[str, LocalModelConfig] = field(default_factory=dict)
    agent: AgentConfig = field(default_factory=AgentConfig)
    compression: CompressionConfig = field(default_factory=CompressionConfig)
    optimizer: Any = MISSING
    env: Any = MISSING
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    main: MainConfig = field(default_factory=MainConfig)
    check: CheckConfig = field(default_factory=CheckConfig)
    estimate: EstimateConfig = field(default_factory=EstimateConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    compilation: CompilationConfig = field(default_factory=CompilationConfig)
    # print what acon-rollout, acon-optimize or acon-main would call and spend, and stop
    dry_run: bool = False
    # values a preset needs the user to supply (a served model, an earlier run's folder):
    # key -> what it is; composing stops, naming each one still unset
    requires: dict[str, str] = field(default_factory=dict)
