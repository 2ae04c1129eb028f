"""The three-way distillation table on hand-made rows: means, parse share, latency per call
and the paired comparisons, checked against values worked out by hand."""

from __future__ import annotations

import pytest

from acon.cli.distill import test_arms as distill_arms
from acon.composition import compose
from acon.distill.evaluate import comparison, write_comparison
from acon.run_folder import RunFolder


def _arm(tmp_path, name, scores, failures):
    folder = RunFolder(tmp_path / name)
    for i, (score, failed) in enumerate(zip(scores, failures, strict=True)):
        folder.append_row(
            {
                "task_id": f"t{i}",
                "status": "finished",
                "score": score,
                "success": score == 1.0,
                "peak_tokens": 1000 + 100 * i,
                "dependency": 2e6,
                "compressor_calls": 2,
                "compressor_failures": failed,
                "compressor_cost_usd": 0.0,
                "compressor_latency_s": 3.0,
            }
        )
    folder.append_row({"task_id": "t9", "status": "errored", "score": None, "success": None})
    return folder


def test_table_means_parse_share_and_pairs(tmp_path):
    folders = {
        "teacher": _arm(tmp_path, "teacher", [1.0, 0.0, 1.0, 1.0], [0, 0, 0, 0]),
        "base_student": _arm(tmp_path, "base", [0.0, 0.0, 0.0, 1.0], [2, 2, 1, 0]),
        "distilled_student": _arm(tmp_path, "student", [1.0, 0.0, 0.0, 1.0], [0, 1, 0, 1]),
    }
    table, pairs = comparison(folders)
    assert table["tasks"].tolist() == [4, 4, 4]  # the errored task is left out
    assert table.loc["distilled_student", "Score"] == pytest.approx(0.5)
    assert table.loc["teacher", "Success"] == "3/4"
    assert table.loc["base_student", "Parsed replies"] == pytest.approx(3 / 8)
    assert table.loc["distilled_student", "Parsed replies"] == pytest.approx(6 / 8)
    assert table.loc["teacher", "Compressor s / call"] == pytest.approx(1.5)
    assert table.loc["teacher", "Peak tokens (k)"] == pytest.approx(1.15)
    vs_teacher = pairs.set_index("comparison").loc["distilled_student - teacher"]
    assert vs_teacher["Score"].startswith("-0.250")
    assert vs_teacher["Success (only / only other, McNemar p)"] == "0 / 1, 1.000"
    paths = write_comparison(folders, tmp_path / "out")
    assert "keeps 67% of the teacher's mean score" in paths[0].read_text()
    assert paths[2].stat().st_size > 0  # the figure


def test_arms_differ_only_in_the_compressor():
    cfg = compose(["+experiment=distill_compressor", "distill.name=student"])
    arms = distill_arms(cfg)
    assert arms["teacher"].models.llm.compressor.base_url == "local://qwen2.5-coder-1.5b"
    assert arms["base_student"].models.llm.compressor.base_url == "local://qwen2.5-coder-0.5b"
    assert arms["distilled_student"].models.llm.compressor.base_url == "local://student"
    for arm in arms.values():
        assert arm.tasks.split == "test" and arm.tasks.limit == cfg.distill.test_tasks
        assert arm.models.llm.agent == arms["teacher"].models.llm.agent
        assert arm.strategies == arms["teacher"].strategies


def test_a_student_served_elsewhere_is_one_override_away():
    """A Hugging Face student on vLLM: its URL and provider; the name stays the adapter's."""
    cfg = compose(
        [
            "+experiment=distill_compressor",
            "distill.name=student",
            "distill.distilled_student.base_url=http://127.0.0.1:8000/v1",
            "distill.distilled_student.provider=vllm",
        ]
    )
    compressor = distill_arms(cfg)["distilled_student"].models.llm.compressor
    assert (compressor.base_url, compressor.model, compressor.provider) == (
        "http://127.0.0.1:8000/v1",
        "student",
        "vllm",
    )
