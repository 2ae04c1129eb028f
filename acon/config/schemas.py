"""Typed schemas for the `conf/` tree, and the checks they run.

Every option of a config group (`conf/env/qa.yaml`, `conf/compression/history/fifo.yaml`,
`conf/optimizer/gepa.yaml`, ...) is typed by a dataclass that lives beside the code it
configures and holds the defaults. The dataclass is registered with `@schema(group,
name)`, and the YAML file lists it first in its defaults:

    defaults:
      - /schema/compression/history/fifo@_here_
      - _self_

so Hydra refuses a wrong type or an unknown key while it composes, before a run folder
exists. A schema's `__post_init__` checks allowed values (`check_choice`,
`check_positive`); `acon.config.validate` runs those checks on a composed config.

Schemas are found by importing every module of the plugin packages (`discover`): adding
a strategy or an optimizer method is one module and one YAML file.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from hydra.core.config_store import ConfigStore

from acon.errors import AconError

T = TypeVar("T")
SCHEMA_GROUP = "schema"
# Packages whose modules may declare schemas; `environments.<name>.config` too.
PLUGIN_PACKAGES = ("acon.compression", "acon.optimize.methods", "acon.rollout")


# Field metadata: a setting that changes no task outcome (a timeout, a server count), and
# one that locates data (the rollout key hashes what it points at, not where it is).
OPERATIONAL = {"outcome": False}
DATA = {"data": True}


class InvalidSetting(ValueError):  # noqa: N818 - reads as the problem it names
    """A schema's value check failed: which field, its value, and what it accepts."""

    def __init__(self, field: str, value: Any, accepts: str):
        super().__init__(f"{field}={value!r}: {accepts}")
        self.field, self.value, self.accepts = field, value, accepts


_OPTIONS: dict[str, dict[str, type]] = {}  # group -> option name -> its schema


def schema(group: str, name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: the dataclass types `conf/<group>/<name>.yaml`."""

    def store(cls: type[T]) -> type[T]:
        ConfigStore.instance().store(group=f"{SCHEMA_GROUP}/{group}", name=name, node=cls)
        _OPTIONS.setdefault(group, {})[name] = cls
        return cls

    return store


def option(group: str, name: str) -> Any:
    """The defaults of option `name` of `group` (e.g. `compression/history`, `fifo`), as its
    typed config; an unknown name is one sentence listing the options."""
    discover()
    found = _OPTIONS.get(group, {})
    if name not in found:
        raise AconError(f"{group}={name} is not an option: use one of {', '.join(sorted(found))}.")
    return found[name]()


def options(group: str) -> dict[str, type]:
    """Every option of `group` and its schema (e.g. `compression/history`)."""
    discover()
    return dict(_OPTIONS.get(group, {}))


def check_choice(field: str, value: Any, choices: Iterable[Any]) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise InvalidSetting(field, value, f"use one of {', '.join(map(str, choices))}")


def check_positive(field: str, value: Any, *, zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not zero)):
        raise InvalidSetting(field, value, f"use a number {'>= 0' if zero else '> 0'}")


_discovered = False


def discover() -> None:
    """Import every module that may declare a schema (once per process)."""
    global _discovered
    if _discovered:
        return
    for package_name in PLUGIN_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__, f"{package_name}."):
            importlib.import_module(module.name)
    environments = importlib.import_module("environments")
    for benchmark in pkgutil.iter_modules(environments.__path__, "environments."):
        if benchmark.ispkg and importlib.util.find_spec(f"{benchmark.name}.config"):
            importlib.import_module(f"{benchmark.name}.config")
    _discovered = True
