"""The texts the optimizer is shown: a task's contexts rebuilt from its trajectory."""

from __future__ import annotations

import logging

from acon.llm.config import RoleConfig
from acon.optimize.contexts import clip, compressed_text, context_budget, full_text
from acon.run_folder import RunFolder
from acon.tokens import count_text
from acon.trajectory import TrajectoryWriter

ROW = {
    "task_id": "t1",
    "score": 0.0,
    "success": False,
    "end_reason": "finish",
    "steps": 2,
    "peak_tokens": 900,
}
SYSTEM = {"role": "system", "content": "You are an agent."}
TASK = {"role": "user", "content": "Find the city of Ada Park."}


def trajectory(folder: RunFolder) -> None:
    writer = TrajectoryWriter(folder.trajectory("t1"))
    writer.event(
        "agent_call",
        step=1,
        context=[0, 1],
        new_messages=[[0, SYSTEM], [1, TASK]],
        reply="lookup Ada",
    )
    writer.event("compression", kind="history", step=1, ok=True, summary="Ada Park lives in Osaka.")
    writer.event("compression", kind="observation", step=1, ok=False, error="garbage")
    writer.event(
        "agent_call",
        step=2,
        context=[0, 1, 2],
        new_messages=[[2, {"role": "user", "content": "Summary: Osaka"}]],
        reply='{"action": "finish"}',
    )
    writer.close()


def test_the_full_context_is_the_last_input_without_the_system_prompt(tmp_path):
    folder = RunFolder(tmp_path)
    trajectory(folder)
    text = full_text(folder, ROW, 10_000)
    assert "You are an agent." not in text and "Find the city of Ada Park." in text
    assert "Summary: Osaka" in text and '[final reply]\n{"action": "finish"}' in text
    assert text.endswith(
        "Outcome: score 0.00, failure, ended by finish after 2 steps, peak context 900 tokens."
    )


def test_the_compressed_context_shows_what_the_compressor_produced(tmp_path):
    folder = RunFolder(tmp_path)
    trajectory(folder)
    text = compressed_text(folder, ROW, 10_000)
    assert "Step 1 history summary:\nAda Park lives in Osaka." in text
    assert "Step 1 (observation): the compressor failed: garbage" in text
    assert "The agent's last context:" in text


def test_contexts_are_whole_unless_a_budget_cuts_them_in_tokens(caplog):
    text = " ".join(f"word{i}" for i in range(400))
    assert clip(text, None) == text  # the paper's setting: whole
    with caplog.at_level(logging.INFO):
        clipped = clip(text, 100, "t1's full context")
    assert clipped.startswith("word0 word1") and clipped.endswith("word398 word399")
    assert count_text(clipped) < 120 and "tokens cut" in clipped
    assert any("t1's full context cut by" in r.getMessage() for r in caplog.records)
    assert clip("short", 100) == "short"


def test_the_budget_is_the_cap_or_what_fits_the_optimizers_window():
    o3 = RoleConfig(base_url="https://api.openai.com/v1", model="o3", max_tokens=8000)
    assert context_budget(None, o3, 16384) is None  # window unknown: whole contexts
    windowed = RoleConfig(
        base_url="https://api.openai.com/v1", model="o3", max_tokens=8000, context_window=200_000
    )
    assert context_budget(None, windowed, 16384) == (200_000 - 8000 - 2000) // 3
    assert context_budget(5000, windowed, 16384) == 5000
    local = RoleConfig(max_tokens=512)  # a local model: its server's window
    assert context_budget(None, local, 16384) == (16384 - 512 - 2000) // 3
