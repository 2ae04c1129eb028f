"""Each paper preset is the paper's protocol: composed (every job of its sweep, with the
paper's models, `llm=openai`), it holds every setting transcribed from the paper in
experiments/paper_settings.yaml (each with the section that states it). A value the paper
does not state (`value: null`) is not checked; `expect` is the config value where the
paper's words are not one (e.g. "the whole test split" is `main.test_tasks: null`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from omegaconf import OmegaConf

from acon.composition import compose
from acon.config.build import typed
from acon.config.naming import benchmark_name
from acon.llm.config import resolve_role
from acon.optimize.evaluation import baseline_configs
from acon.paths import CONF_DIR
from tests.estimate.test_plan import sweep_jobs
from tests.support.paper import with_supplied

SETTINGS = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "experiments" / "paper_settings.yaml").read_text()
)
TABLES = {name: t for name, t in SETTINGS["tables"].items() if t.get("preset")}
ABSENT = object()


def settings(entries: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The settings by name, sections (`optimization`, `baselines`) flattened."""
    out = {}
    for name, entry in entries.items():
        if isinstance(entry, dict) and "config" not in entry:
            out |= settings(entry)
        elif isinstance(entry, dict):
            out[name] = entry
    return out


def jobs(table: dict[str, Any], machine: Any) -> list[Any]:
    """Every job of the table's preset with the paper's models, on a machine that has what
    the preset needs (`paper_machine`)."""
    preset = CONF_DIR / "experiment" / f"{table['preset']}.yaml"
    return [
        compose(with_supplied([f"+experiment={table['preset']}", "llm=openai", *job], machine))
        for job in sweep_jobs(preset)
    ]


def checked(table: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(name, config key, expected value) of each setting of the table (its own over the
    global ones of the same name) that is stated and has a config key."""
    out = []
    for name, entry in (settings(SETTINGS["global"]) | settings(table["settings"])).items():
        key = entry.get("config")
        expected = entry["expect"] if "expect" in entry else entry.get("value")
        stated = "expect" in entry or expected is not None
        if key and entry.get("check", True) and stated:
            out.append((name, key, expected))
    return out


def actual(cfg: Any, key: str) -> Any:
    if key == "env":
        return benchmark_name(cfg)
    if key.startswith("role."):  # a role's model settings as it calls them (llm.common under)
        _, role, name = key.split(".", 2)
        return getattr(resolve_role(cfg.llm, role), name)
    if key.startswith("baseline."):  # a baseline strategy's own setting, as main runs it
        _, name, rest = key.split(".", 2)
        main, kind = typed(cfg.main), typed(cfg.optimizer).kind
        strategy = baseline_configs(kind, [name], main.baseline_settings)[name]
        return OmegaConf.select(OmegaConf.structured(strategy), rest)
    value = OmegaConf.select(cfg, key, default=ABSENT)
    if value is ABSENT:
        return ABSENT
    return OmegaConf.to_container(OmegaConf.create({"v": value}))["v"]


@pytest.mark.parametrize("name", sorted(TABLES), ids=str)
def test_every_paper_preset_holds_the_papers_settings(name, paper_machine):
    table = TABLES[name]
    composed, wrong = jobs(table, paper_machine), []
    for setting, key, expected in checked(table):
        if key.startswith("sweep."):  # the values the sweep's jobs take, together
            values = [actual(cfg, key.removeprefix("sweep.")) for cfg in composed]
            got = sorted({repr(v): v for v in values}.values(), key=repr)
            if got != sorted(expected, key=repr):
                wrong.append(f"{setting} ({key}): paper {expected!r}, preset {got!r}")
            continue
        for cfg in composed:
            if key.startswith("baseline.") and key.split(".")[1] not in typed(cfg.main).baselines:
                continue
            got = actual(cfg, key)
            if got is ABSENT and key.startswith("compression."):
                continue  # not this job's (e.g. the history's mode, with history off)
            if got != expected:
                wrong.append(f"{setting} ({key}): paper {expected!r}, preset {got!r}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_table_3s_jobs_are_its_rows(paper_machine):
    """Four rows, not a grid: (optimizer, contrastive feedback) as the paper lists them."""
    table = TABLES["table3_optimizers"]
    rows = {(r["optimizer"], r["contrastive"]) for r in table["rows"]["value"]}
    run = [
        (resolve_role(c.llm, "optimizer").model, c.optimizer.contrastive)
        for c in jobs(table, paper_machine)
    ]
    assert sorted(run) == sorted(rows)


def test_every_paper_preset_is_transcribed():
    presets = {p.stem for p in (CONF_DIR / "experiment").glob("paper_*.yaml")}
    assert presets == {t["preset"] for t in TABLES.values()}
