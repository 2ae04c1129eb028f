"""Every option of every config group composes with its typed schema and turns into its
class through the one config-to-code path (`acon.config.build`)."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from hydra.utils import get_class

from acon.composition import compose
from acon.compression.base import HistoryStrategy, ObservationStrategy, StrategyConfig
from acon.config import build, typed
from acon.environment import EnvConfig, Environment
from acon.errors import AconError
from acon.llm.usage import UsageLedger
from acon.optimize.config import OptimizerConfig
from acon.paths import CONF_DIR
from acon.run_folder import RunFolder
from acon.services import Services
from tests.support.paper import with_supplied


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


class ScriptedLLMs:
    """Stands in for the LLM session where a build asks for a client."""

    ledger = UsageLedger()

    def client(self, role):
        return object()

    def role_config(self, role):
        raise AconError("no local scorer in this test")


def services(tmp_path) -> Services:
    return Services(llms=ScriptedLLMs(), run=RunFolder(tmp_path))


@pytest.mark.parametrize("option", options("env"))
def test_every_environment_builds(option, tmp_path):
    cfg = compose([f"env={option}"])
    config = typed(cfg.env)
    assert isinstance(config, EnvConfig) and config._target_.startswith("environments.")
    env = build(cfg.env, services(tmp_path))
    try:
        assert isinstance(env, Environment) and env.config == config
        assert env.services.run.path == tmp_path
    finally:
        env.close()


@pytest.mark.parametrize(
    ("kind", "option"),
    [(kind, o) for kind in ("history", "observation") for o in options(f"compression/{kind}")],
)
def test_every_compression_strategy_builds(kind, option, tmp_path):
    node = compose([f"compression/{kind}={option}"]).compression[kind]
    config = typed(node)
    assert isinstance(config, StrategyConfig)
    if config._target_ is None:
        assert option == "none" and build(node) is None
        return
    base = HistoryStrategy if kind == "history" else ObservationStrategy
    assert issubclass(get_class(config._target_), base)
    try:
        strategy = build(node, services(tmp_path))
    except AconError as exc:  # an optional extra or a local scorer this test does not run
        assert option in ("retrieval", "llmlingua"), exc
        return
    assert isinstance(strategy, base) and strategy.config == config


@pytest.mark.parametrize("option", options("optimizer"))
def test_every_optimizer_method_builds(option, tmp_path):
    node = compose([f"optimizer={option}"]).optimizer
    assert isinstance(typed(node), OptimizerConfig)
    method = build(node, services(tmp_path))
    assert method.name == option and callable(method.run)


@pytest.mark.parametrize("option", options("rollout/backend"))
def test_every_rollout_backend_builds(option, tmp_path):
    backend = build(compose([f"rollout/backend={option}"]).rollout.backend, services(tmp_path))
    assert callable(backend.run)


@pytest.mark.parametrize("group", ["llm", "tracking", "pricing", "local_models", "experiment"])
def test_every_other_option_composes_and_validates(group, paper_machine):
    for option in options(group):
        if option == "schema":
            continue
        override = f"+experiment={option}" if group == "experiment" else f"{group}={option}"
        cfg = compose(with_supplied([override], paper_machine))
        assert cfg.agent.max_steps > 0  # the whole config is there, and typed


def test_each_default_lives_in_its_schema():
    """A YAML option of a plugin group holds no value its schema already has."""
    for group in ("compression/history", "compression/observation", "optimizer", "rollout/backend"):
        for option in options(group):
            text = (CONF_DIR / group / f"{option}.yaml").read_text()
            body = [
                line
                for line in text.splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "-", "defaults"))
            ]
            assert body == [], f"{group}/{option}.yaml repeats settings: {body}"


def test_the_typed_config_is_plain_dataclasses_all_the_way_down():
    cfg = compose(["env=qa", "compression/history=retrieval"])
    for key in ("agent", "rollout", "env", "optimizer", "tracking", "llm"):
        assert dataclasses.is_dataclass(typed(cfg[key]))


@pytest.mark.parametrize("option", options("strategy"))
def test_every_head_to_head_strategy_composes_on_both_benchmarks(option):
    for preset in ("head_to_head_qa", "head_to_head_facts"):
        cfg = compose([f"+experiment={preset}", f"+strategy={option}"])
        history, observation = typed(cfg.compression.history), typed(cfg.compression.observation)
        assert typed(cfg.agent).context.background == option.endswith("_background")
        assert (history._target_ is None) == (option in ("none", "offload"))
        assert (observation._target_ is None) == (option != "offload")


def test_the_head_to_head_sweeps_every_strategy():
    text = (CONF_DIR / "experiment" / "head_to_head.yaml").read_text()
    swept = yaml.safe_load(text)["hydra"]["sweeper"]["params"]["+strategy"].split(",")
    assert sorted(swept) == sorted(options("strategy"))
