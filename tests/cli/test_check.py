"""The README's main job (for now the LLM-layer check), run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration
KEY = "sk-test-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def run_check(tmp_path, *overrides, env=None):
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.check",
        f"hydra.run.dir={tmp_path / 'run'}",
        f"llm.cache.dir={tmp_path / 'responses'}",
        *overrides,
    ]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def all_text(folder):
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_check_runs_every_role_and_keeps_the_key_out_of_every_file(local_llm_ready, tmp_path):
    # The judge role reads a key from the environment (llama.cpp ignores it): the key
    # must appear nowhere in the run folder or the output.
    proc = run_check(tmp_path, "llm.judge.api_key_env=ACON_TEST_KEY", env={"ACON_TEST_KEY": KEY})
    assert proc.returncode == 0, proc.stderr[-2000:]
    usage = json.loads((tmp_path / "run" / "usage.json").read_text())
    assert {"agent", "compressor", "optimizer", "judge", "total"} <= set(usage)
    assert usage["optimizer"]["calls"] == 3  # chat, JSON, and the DSPy program
    assert usage["total"]["prompt_tokens"] > 0
    assert (tmp_path / "run" / "llama-server-qwen2.5-coder-0.5b.log").exists()
    assert "LLM usage per role" in proc.stdout
    assert KEY not in all_text(tmp_path / "run") + proc.stdout + proc.stderr


def test_a_key_pasted_on_the_command_line_is_refused_and_scrubbed(tmp_path):
    proc = run_check(tmp_path, f"llm.judge.api_key_env={KEY}")
    assert proc.returncode == 2
    output = proc.stdout + proc.stderr
    assert "llm.judge.api_key_env must name an environment variable" in output
    assert "Traceback" not in output
    assert KEY not in all_text(tmp_path / "run") + proc.stdout + proc.stderr


def test_a_bad_override_is_one_sentence_and_writes_nothing(tmp_path):
    proc = run_check(tmp_path, "llm.common.temperature=warm")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "Error: llm.common.temperature='warm' is not valid: llm.common.temperature takes "
        "a number, or null."
    )
    assert not (tmp_path / "run").exists()
