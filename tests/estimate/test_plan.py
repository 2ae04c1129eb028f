"""Each verb's plan counts the rollouts the paper's Algorithm 1 and the main job run, and
a dry run calls nothing."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from acon.composition import compose
from acon.estimate.plan import estimate
from acon.llm.fake_server import FakeOpenAI
from acon.paths import CONF_DIR
from tests.support.paper import with_supplied

PAPER_SPLITS = "+estimate.split_sizes={train:90,test:168}"  # AppWorld's train, test-normal


def test_table_1s_main_job_counts_the_papers_rollouts(paper_machine):
    cfg = compose(["+experiment=paper_table1_history", "llm=openai", "pricing=paper", PAPER_SPLITS])
    planned = estimate(cfg, "main").to_dict()
    # The paper's protocol, no caps: 90 training tasks without compression and with the
    # Prompting start; UT: a contrastive set of 90 * (0.5 - 0.4) = 9 tasks, 5 candidates
    # each on all 9; the new parent on the other 81; CO: 5 candidates on all 90 * 0.4 = 36
    # compressed successes; the test split (168) with no compression, 3 baselines,
    # Prompting (the start's own row) and Acon after UT and after UT+CO
    assert planned["task_rollouts"] == 90 + 90 + 5 * 9 + 81 + 5 * 36 + 168 * (1 + 3 + 1 + 2)
    optimizer = planned["roles"]["optimizer"]
    # UT: feedback on every one of the 9, 5 proposals; CO: analysis of all 36, 5 proposals
    assert optimizer["calls"] == 9 + 5 + 36 + 5
    assert planned["caps"] == {}  # the dry run says so: "Budget caps: none"
    assert optimizer["model"] == "o3" and planned["roles"]["agent"]["model"] == "gpt-4.1"
    assert planned["usd"] > 0


def test_a_dry_run_prints_the_bill_and_calls_no_model(tmp_path):
    with FakeOpenAI(default="never") as fake:
        cmd = [
            sys.executable,
            "-m",
            "acon.cli.main",
            "dry_run=true",
            "compression/history=guideline",
            f"llm.common.base_url={fake.base_url}",
            f"hydra.run.dir={tmp_path / 'run'}",
            f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
        assert not fake.requests
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "no model was called" in proc.stdout and "| total" in proc.stdout
    assert "Budget caps: none (the paper's protocol" in proc.stdout
    assert json.loads((tmp_path / "run" / "estimate.json").read_text())["verb"] == "main"
    assert not (tmp_path / "mlflow.db").exists()  # nothing was logged either


def test_the_caps_a_run_sets_are_listed_as_departures_from_the_paper():
    """The quickstart caps feedback and selection to fit 2 cores; the paper has no caps."""
    planned = estimate(compose(["+experiment=quickstart"]), "main").to_dict()
    assert planned["caps"] == {
        "optimizer.feedback_tasks": 1,
        "optimizer.feedback_sample": 1,
        "optimizer.selection_tasks": 2,
    }
    budget = compose(["+experiment=quickstart", "optimizer.budget.max_usd=5"])
    assert estimate(budget, "main").to_dict()["caps"]["optimizer.budget.max_usd"] == 5


def test_a_verb_without_a_plan_refuses_a_dry_run(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.report",
        "dry_run=true",
        f"hydra.run.dir={tmp_path / 'run'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
    assert proc.returncode == 2
    assert "has no dry run: drop dry_run=true" in proc.stdout + proc.stderr


def sweep_jobs(preset: Path) -> list[list[str]]:
    """A preset's jobs: the overrides of each point of its sweep (one job without one)."""
    params = (yaml.safe_load(preset.read_text()).get("hydra") or {}).get("sweeper") or {}
    grid = [
        [f"{k}={v}" for v in str(values).split(",")]
        for k, values in (params.get("params") or {}).items()
    ]
    return [list(job) for job in itertools.product(*grid)]


@pytest.mark.parametrize(
    "preset", sorted((CONF_DIR / "experiment").glob("paper_*.yaml")), ids=lambda p: p.stem
)
def test_every_paper_preset_and_each_of_its_sweep_jobs_is_estimated(preset, paper_machine):
    verb = "rollout" if "figure" in preset.stem or "table4" in preset.stem else "main"
    for job in sweep_jobs(preset):
        cfg = compose(
            with_supplied(
                [f"+experiment={preset.stem}", "llm=openai", "pricing=paper", PAPER_SPLITS, *job],
                paper_machine,
            )
        )
        if "table13" in preset.stem:  # acon-distill: composed and checked; it has no dry run
            continue
        planned = estimate(cfg, verb).to_dict()
        assert planned["usd"] > 0 and planned["roles"]["agent"]["calls"] > 0, job


def test_the_optimizers_head_to_head_gives_every_method_one_budget_and_one_task_set():
    """Each arm of the side-by-side preset composes, prices (a dry run) and shares the
    training tasks, test tasks and rollout budget."""
    shared = set()
    for arm in ("acon_rewrite", "acon_edits", "gepa", "playbook"):
        cfg = compose(["+experiment=optimizers_head_to_head", f"+optimizer_arm={arm}"])
        o = cfg.optimizer
        shared.add((o.n_tasks, o.split, o.budget.max_rollouts, cfg.main.test_tasks, str(o.start)))
        assert estimate(cfg, "main").to_dict()["stages"]
    assert len(shared) == 1
