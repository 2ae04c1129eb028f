"""Configuration: Hydra's `conf/` tree, typed by dataclass schemas, checked when composed,
and made into objects by one function (`build`).

    from acon.composition import compose
    cfg = compose(["env=qa", "compression/history=guideline"])   # tools, tests, notebooks
    env = build(cfg.env, services)

This package is a leaf every module may import (the schema helpers, `build`, the naming
helpers). Composing the root config imports every subsystem's schema, so it sits above
them all, in acon.composition (with the root schema, `RootConfig`).
"""

from acon.config.build import build, typed
from acon.config.explain import explain
from acon.config.naming import benchmark_name, flatten, to_plain
from acon.config.schemas import InvalidSetting, schema

__all__ = [
    "InvalidSetting",
    "benchmark_name",
    "build",
    "explain",
    "flatten",
    "schema",
    "to_plain",
    "typed",
]
