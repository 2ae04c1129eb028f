"""The texts the optimizer is shown: a task's contexts rebuilt from its trajectory."""

from __future__ import annotations

from acon.optimize.contexts import clip, compressed_text, full_text
from acon.run_folder import RunFolder
from acon.trajectory import TrajectoryWriter

ROW = {"task_id": "t1", "score": 0.0, "success": False, "end_reason": "finish", "steps": 2,
       "peak_tokens": 900}  # fmt: skip
SYSTEM = {"role": "system", "content": "You are an agent."}
TASK = {"role": "user", "content": "Find the city of Ada Park."}


def trajectory(folder: RunFolder) -> None:
    writer = TrajectoryWriter(folder.trajectory("t1"))
    writer.event("agent_call", step=1, context=[0, 1], new_messages=[[0, SYSTEM], [1, TASK]],
                 reply="lookup Ada")  # fmt: skip
    writer.event("compression", kind="history", step=1, ok=True,
                 summary="Ada Park lives in Osaka.")  # fmt: skip
    writer.event("compression", kind="observation", step=1, ok=False, error="garbage")
    writer.event("agent_call", step=2, context=[0, 1, 2],
                 new_messages=[[2, {"role": "user", "content": "Summary: Osaka"}]],
                 reply='{"action": "finish"}')  # fmt: skip
    writer.close()


def test_the_full_context_is_the_last_input_without_the_system_prompt(tmp_path):
    folder = RunFolder(tmp_path)
    trajectory(folder)
    text = full_text(folder, ROW, 10_000)
    assert "You are an agent." not in text and "Find the city of Ada Park." in text
    assert "Summary: Osaka" in text and '[final reply]\n{"action": "finish"}' in text
    assert text.endswith("Outcome: score 0.00, failure, ended by finish after 2 steps, "
                         "peak context 900 tokens.")  # fmt: skip


def test_the_compressed_context_shows_what_the_compressor_produced(tmp_path):
    folder = RunFolder(tmp_path)
    trajectory(folder)
    text = compressed_text(folder, ROW, 10_000)
    assert "Step 1 history summary:\nAda Park lives in Osaka." in text
    assert "Step 1 (observation): the compressor failed: garbage" in text
    assert "The agent's last context:" in text


def test_long_texts_keep_head_and_tail():
    text = "a" * 50 + "b" * 50
    clipped = clip(text, 20)
    assert clipped.startswith("a" * 10) and clipped.endswith("b" * 10)
    assert "80 characters cut" in clipped and clip("short", 20) == "short"
