"""Hydra's and OmegaConf's composition errors, as one sentence that names the key and what
it accepts (the entry points print it and exit with code 2)."""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from typing import Any

from acon.errors import AconError

_OPTIONS = re.compile(r"Available options in '([^']+)':\s*\n((?:\s+\S+\n?)+)")
_NOT_FOUND = re.compile(r"Could not find '([^']+)'")


def explain(exc: BaseException) -> str | None:
    """The sentence for a configuration error, or None if `exc` is not one."""
    from hydra.errors import (
        ConfigCompositionException,
        MissingConfigException,
        OverrideParseException,
    )
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

    if isinstance(exc, AconError):
        return str(exc)
    if isinstance(exc, OverrideParseException):
        return (
            f"Could not read an override ({str(exc).splitlines()[0]}): write key=value, "
            f"or group=option, as in Hydra's override syntax."
        )
    if isinstance(exc, MissingConfigException):
        return _missing_option(str(exc))
    cause = exc.__cause__ if isinstance(exc, ConfigCompositionException) else exc
    if isinstance(cause, ConfigAttributeError | ConfigKeyError):
        return _unknown_key(cause)
    if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
        return _bad_value(cause)
    if isinstance(exc, ConfigCompositionException):
        return f"The configuration could not be composed: {str(exc).splitlines()[0]}"
    return None


def _missing_option(message: str) -> str:
    found = _NOT_FOUND.search(message)
    wanted = found.group(1) if found else "that option"
    group, _, option = wanted.rpartition("/")
    options = _OPTIONS.search(message)
    if options:
        names = [n.strip() for n in options.group(2).split() if n.strip()]
        return f"{group}={option} is not an option: use one of {', '.join(names)}."
    return f"There is no config {wanted!r} in conf/: check the name and its group."


def _unknown_key(cause: Any) -> str:
    key = str(getattr(cause, "full_key", "") or "")
    parent, _, name = key.rpartition(".")
    object_type = getattr(cause, "object_type", None)
    fields = _fields(object_type)
    where = parent or "the root config"
    if fields:
        return f"{where} has no setting {name!r}: its settings are {', '.join(fields)}."
    if dataclasses.is_dataclass(object_type):
        return f"{where} has no setting {name!r}: this option takes no settings."
    if object_type is dict:  # a map's new key: Hydra wants it added, not set
        return (
            f"{parent} is a map: add the key {name!r} with a leading + (+{parent}={{{name}: ...}})."
        )
    return f"{key} is not a setting: check the key (acon-rollout --cfg job shows them all)."


def _bad_value(cause: Any) -> str:
    key = str(cause.full_key)
    value = getattr(cause, "value", None)
    kind = _field_type(getattr(cause, "object_type", None), key.rpartition(".")[2])
    accepts = describe(kind) if kind is not None else _reason(cause)
    shown = f"={value!r}" if value is not None else ""
    return f"{key}{shown} is not valid: {key} takes {accepts}."


def _reason(cause: Any) -> str:
    msg = str(getattr(cause, "msg", "") or cause).splitlines()[0]
    return f"another value ({msg})"


def _fields(object_type: Any) -> list[str]:
    if object_type is None or not dataclasses.is_dataclass(object_type):
        return []
    return [f.name for f in dataclasses.fields(object_type) if not f.name.startswith("_")]


def _field_type(object_type: Any, name: str) -> Any:
    if object_type is None or not dataclasses.is_dataclass(object_type):
        return None
    try:
        return typing.get_type_hints(object_type).get(name)
    except Exception:  # noqa: BLE001 - an unresolvable hint only costs the wording
        return None


def describe(kind: Any) -> str:
    """A type in words: `int | None` -> "an integer, or null"."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        options = [describe(a) for a in args if a is not type(None)]
        tail = ", or null" if type(None) in args else ""
        return " or ".join(options) + tail
    if origin in (list, tuple) or kind in (list, tuple):
        inner = f" of {describe(args[0]).removeprefix('a ').removeprefix('an ')}" if args else ""
        return f"a list{inner}, e.g. [a,b]"
    if origin is dict or kind is dict:
        return "a mapping, e.g. {a: 1}"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "one of " + ", ".join(m.name for m in kind)
    if dataclasses.is_dataclass(kind):
        return f"a group of settings ({', '.join(_fields(kind))})"
    words = {bool: "true or false", int: "an integer", float: "a number", str: "text"}
    return words.get(kind, getattr(kind, "__name__", str(kind)))
