"""Start-up (issue: `acon-rollout --help` took about 12 s, Hydra deep-copying every
schema once per config group it lists): the installed command answers `--help` from disk
in well under 3 s, with the groups a user picks from; a rollout does not import DSPy."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from acon.cli.entry import single_run
from acon.cli.usage import groups
from acon.paths import CONF_DIR

BIN = Path(sys.executable).parent
DEFAULTS = (CONF_DIR / "config.yaml").read_text()


def test_help_is_quick_and_lists_every_group_with_its_options():
    start = time.perf_counter()
    shown = subprocess.run(
        [str(BIN / "acon-rollout"), "--help"], capture_output=True, text=True, timeout=60
    )
    took = time.perf_counter() - start
    assert shown.returncode == 0, shown.stderr
    assert took < 3.0, f"acon-rollout --help took {took:.1f} s"
    assert shown.stdout.startswith("`acon-rollout`: run the agent")
    listed = groups()
    assert {"compression/history", "env", "llm", "experiment", "rollout/backend"} <= set(listed)
    assert not any(g.startswith("hydra") for g in listed)
    assert listed["compression/history"] == sorted(
        p.stem for p in (CONF_DIR / "compression" / "history").glob("*.yaml")
    )
    assert "compression/history      fifo, guideline" in shown.stdout


def test_the_module_form_prints_the_same_help():
    installed = subprocess.run([str(BIN / "acon-main"), "-h"], capture_output=True, text=True)
    module = subprocess.run(
        [sys.executable, "-m", "acon.cli.main", "-h"], capture_output=True, text=True, timeout=120
    )
    assert module.returncode == installed.returncode == 0, module.stderr[-2000:]
    assert module.stdout == installed.stdout


def test_a_rollout_never_imports_dspy():
    probe = (
        "import sys, acon.cli.rollout; from acon.composition import "
        "register_schemas; register_schemas(); print('dspy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def hydra_mode(overrides: list[str]) -> str:
    """The mode Hydra itself reads from the composed config (what Hydra.get_mode does;
    unset, "None", is a single run unless `-m` is given)."""
    from hydra import compose, initialize_config_dir

    from acon.composition import register_schemas

    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
    return str(cfg.hydra.mode).rsplit(".", 1)[-1]  # RunMode.MULTIRUN: MULTIRUN


def test_a_single_run_is_known_without_composing_and_hydra_agrees():
    """The entry skips Hydra's extra composition (read only for `hydra.mode`) when the
    arguments cannot make a sweep; every config group's every option leaves Hydra's mode
    RUN, and the presets that sweep are never taken for a single run."""
    for group, names in groups().items():
        if group == "experiment":
            continue
        for name in names:
            chosen = f"{group}={name}"
            if f"- {group}:" not in DEFAULTS:  # a group the defaults list lacks is added
                chosen = "+" + chosen
            assert single_run([chosen, "hydra.run.dir=x"])
            assert hydra_mode([chosen]) in ("None", "RUN"), chosen
    sweeping = [
        p.stem
        for p in (CONF_DIR / "experiment").glob("*.yaml")
        if hydra_mode([f"+experiment={p.stem}"]) == "MULTIRUN"
    ]
    assert "head_to_head" in sweeping
    for name in sweeping:
        assert not single_run([f"+experiment={name}"])
    assert not single_run(["-m", "env=qa"]) and not single_run(["hydra.mode=MULTIRUN"])
    assert not single_run(["hydra/sweeper=basic"])
