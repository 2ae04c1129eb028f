"""A strategy that asks the run's LLM session for a role's model declares that role
(`llm_roles`): the rollout store's reuse key holds each declared role's model, so a role
used but not declared would let a rollout made with one model be reused for another."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from acon.config.build import build
from acon.config.schemas import options
from acon.llm.scripted import ScriptedClient
from acon.services import Services

GROUPS = ("compression/history", "compression/observation")


class Stop(Exception):
    """Raised where a real session would start a local server: the roles asked for so far
    are what the strategy uses."""


class RecordingLLMs:
    def __init__(self) -> None:
        self.roles: set[str] = set()

    def client(self, role: str) -> Any:
        self.roles.add(role)
        return ScriptedClient(lambda messages, params: "{}")

    def role_config(self, role: str) -> Any:
        self.roles.add(role)
        raise Stop

    def __getattr__(self, name: str) -> Any:
        raise Stop


STRATEGIES = [
    (g, n)
    for g in GROUPS
    for n, schema in sorted(options(g).items())
    if schema._target_ is not None
]


@pytest.mark.parametrize(("group", "name"), STRATEGIES, ids=[f"{g}={n}" for g, n in STRATEGIES])
def test_a_strategy_declares_every_role_it_calls(group, name):
    config = options(group)[name]()
    llms = RecordingLLMs()
    with contextlib.suppress(Stop):
        build(config, Services(llms=llms))  # type: ignore[arg-type] - the session's stand-in
    assert llms.roles <= set(config.llm_roles()), f"{group}={name} calls {llms.roles}"


def test_an_undeclared_role_fails_the_contract():
    """The check itself: memento's agent role, declared as none, is caught."""
    from acon.compression.memento import MementoConfig

    class Undeclared(MementoConfig):
        def llm_roles(self) -> tuple[str, ...]:
            return ()

    llms = RecordingLLMs()
    build(Undeclared(), Services(llms=llms))  # type: ignore[arg-type]
    assert llms.roles == {"agent"} and not llms.roles <= set(Undeclared().llm_roles())


@pytest.mark.parametrize("group,name", [(g, n) for g in GROUPS for n in options(g) if n != "none"])
def test_each_strategy_names_its_row_and_its_place_in_the_tables(group, name):
    """A strategy owns its row's label and rank; the tables' order is theirs."""
    from hydra.utils import get_class

    from acon.compression.labels import row_ranks

    cls = get_class(options(group)[name]._target_)
    assert isinstance(cls.label, str) and cls.label
    assert isinstance(cls.rank, int)
    assert row_ranks()[cls.label] == cls.rank
