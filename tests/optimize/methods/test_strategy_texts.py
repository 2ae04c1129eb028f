"""The optimizer improves the text of strategies other than the guideline summary, through
the same UT/CO loop and with no change to it: memento's instructions (the agent writes its
mementos by them) and offload's gist-and-findings instructions. Every role is scripted
(tests/support/brain.py): both strategies lose the employee records unless their text says
KEEP RECORDS, so UT must find that line, and the candidates' rollouts must have run the
configured strategy with each candidate text."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.guidelines import load_guideline
from acon.run_folder import RunFolder
from tests.optimize.methods.test_acon import optimize
from tests.support import optimizer_overrides
from tests.support.brain import KEEP

CASES = {
    "memento": (
        "history",
        "acon.compression.memento.Memento",
        ["compression/history=memento", "optimizer.start.name=memento"],
    ),
    "offload": (
        "observation",
        "acon.compression.offload.Offload",
        [
            "compression/history=none",
            "compression/observation=offload",
            "agent.context.observation_threshold_tokens=50",
            "optimizer.kind=observation",
            "optimizer.start.name=offload",
        ],
    ),
}


@pytest.mark.parametrize("strategy", list(CASES))
def test_ut_rewrites_the_strategys_own_text(fake, tmp_path, strategy):
    kind, target, overrides = CASES[strategy]
    base = [
        o
        for o in optimizer_overrides(
            fake, tmp_path, "optimizer.n_candidates=2", "optimizer.steps=[ut]"
        )
        if o != "compression/history=guideline"
    ]
    cfg = compose([*base, *overrides])
    report, _ = optimize(cfg, tmp_path / "run")
    (ut,) = report["steps"]
    assert ut["feedback_mode"] == "contrastive" and ut["improved"]
    root = tmp_path / "run" / "guidelines"
    start = load_guideline(kind, "acon-opt", 1, root)
    assert start.lineage.origin == f"{strategy} v1"
    best = load_guideline(kind, "acon-opt", "best", root)
    assert best.text == f"{start.text}\n{KEEP}"
    # the candidates were rolled out with the configured strategy following their text
    configs = [folder.config() for folder in RunFolder.find([tmp_path / "rollouts"])]
    used = [c["compression"][kind] for c in configs if c["compression"][kind].get("_target_")]
    assert used and {u["_target_"] for u in used} == {target}
    texts = {
        load_guideline(
            kind, u["guideline"]["name"], u["guideline"]["version"], u["guideline"]["dir"]
        ).text
        for u in used
    }
    assert best.text in texts and all(t.startswith(start.text) for t in texts)
