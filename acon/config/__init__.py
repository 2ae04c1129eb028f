"""Configuration: Hydra's `conf/` tree, typed by dataclass schemas, checked when composed,
and made into objects by one function (`build`).

    cfg = compose(["env=qa", "compression/history=guideline"])   # tools, tests, notebooks
    env = build(cfg.env, services)

Inside the harness, import from the submodules (`acon.config.build`, `.schemas`,
`.naming`, `.compose`): this package's own names are for users.
"""

from acon.config.build import build, typed
from acon.config.compose import ValidateConfig, compose, register_schemas, validate
from acon.config.explain import explain
from acon.config.naming import benchmark_name, flatten, to_plain
from acon.config.schemas import InvalidSetting, schema

__all__ = [
    "InvalidSetting",
    "ValidateConfig",
    "benchmark_name",
    "build",
    "compose",
    "explain",
    "flatten",
    "register_schemas",
    "schema",
    "to_plain",
    "typed",
    "validate",
]
