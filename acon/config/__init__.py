"""Configuration: Hydra's `conf/` tree, typed by dataclass schemas, checked when composed,
and made into objects by one function (`build`).

    from acon.config.composition import compose
    cfg = compose(["env=qa", "compression/history=guideline"])   # tools, tests, notebooks
    env = build(cfg.env, services)

This package's own names are the leaves every module may import (the schema helpers,
`build`, the naming helpers); composing (`acon.config.composition`) imports every schema
of the harness, so it is imported from its module where it is needed.
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
