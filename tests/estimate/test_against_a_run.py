"""The estimate against what a scripted run actually called (tests/support/brain.py: every
role answers over HTTP through the real LLM layer): a pilot of the training split (with
and without compression) gives the measured figures, the scripted optimizer's reply sizes
are configured, and the estimate of the whole main job must land within 10% of its calls
(per role) and tokens (in total, and for the agent: most of any bill).

The optimization starts from a guideline that already keeps the records, so its
candidates behave as the start did: what the pilot measured holds for every rollout, as
the estimate assumes (how much an optimized guideline changes the steps a task takes is
what the run finds out, not something to estimate). With nothing to fix, UT is skipped
and CO runs: the scripted optimizer's reply sizes are those of CO's two programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dspy

from acon.guidelines import GuidelineRef, GuidelineStore
from acon.guidelines.store import resolve
from acon.llm.fake_server import FakeOpenAI
from acon.optimize.signatures import ShortenGuideline, UsageAnalysis
from acon.tokens import count_text
from acon.tracking.usage import usage_by_role
from tests.cli.test_main import main_command
from tests.support.brain import KEEP, brain, optimizer


def scripted_reply_tokens(signature: type) -> int:
    """What the scripted optimizer answers to this program, in tokens."""
    inputs = {name: "" for name in signature.input_fields}
    inputs["guideline"] = resolve("history", GuidelineRef()).text
    messages = dspy.ChatAdapter().format(signature, demos=[], inputs=inputs)
    return count_text(optimizer(messages, 42))


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=os.environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_the_main_jobs_estimate_is_within_10_percent_of_its_calls_and_tokens(tmp_path):
    store = tmp_path / "start"
    GuidelineStore(store).add("history", "keeper", f"Summarize the steps.\n{KEEP}")
    start = [
        f"{p}.{kv}"
        for p in ("optimizer.start", "compression.history.guideline")
        for kv in ("dir=" + str(store), "name=keeper", "version=1")
    ]
    with FakeOpenAI(default=brain) as fake:
        job = [*main_command(fake, tmp_path), *start[:3]]
        shared = [
            a for a in job if a.split("=")[0].split(".")[0] in ("llm", "agent", "env", "tracking")
        ]
        pilots = []
        arms = {
            "plain": ["compression/history=none"],
            "keeper": ["compression/history=guideline", *start[3:]],
        }
        for name, compression in arms.items():
            pilot = tmp_path / "pilot" / name
            _run(
                [
                    sys.executable,
                    "-m",
                    "acon.cli.rollout",
                    *compression,
                    "rollout.split=train",
                    "rollout.limit=4",
                    f"hydra.run.dir={pilot}",
                    f"llm.cache.dir={tmp_path / 'pilot-responses'}",
                    *shared,
                ]
            )
            pilots.append(str(pilot))
        proc = _run(
            [
                *job,
                f"estimate.measured_from=[{','.join(pilots)}]",
                f"estimate.profile.feedback_tokens={scripted_reply_tokens(UsageAnalysis)}",
                f"estimate.profile.proposal_tokens={scripted_reply_tokens(ShortenGuideline)}",
            ]
        )
    run = tmp_path / "run"
    planned = json.loads((run / "estimate.json").read_text())
    assert planned["profile_source"].startswith("measured from")
    actual = usage_by_role(run / "llm_calls.jsonl")
    roles = planned["roles"]
    planned_total = {
        k: sum(r[k] for r in roles.values())
        for k in ("calls", "prompt_tokens", "completion_tokens")
    }
    for role in ("compressor", "optimizer"):  # every role's calls
        e, a = roles[role]["calls"], actual[role]["calls"]
        assert abs(e - a) <= 0.1 * a, (role, e, a)
    for role, e in (("agent", roles["agent"]), ("total", planned_total)):
        a = actual[role]
        assert abs(e["calls"] - a["calls"]) <= 0.1 * a["calls"], (role, e, a)
        for tokens in ("prompt_tokens", "completion_tokens"):
            got = a[f"{tokens}_cl100k"]
            assert abs(e[tokens] - got) <= 0.1 * got, (role, tokens, e[tokens], got)
    assert "Estimate vs actual" in proc.stdout
    assert (run / "estimate_vs_actual.md").read_text().count("|") > 20
