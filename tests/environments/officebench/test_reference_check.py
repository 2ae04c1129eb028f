"""The evaluators against the benchmark's reference outputs (see reference_check.py and the
README's table): a workspace holding them passes, an untouched one fails, except for the
data defects named here."""

from __future__ import annotations

from environments.officebench.reference_check import reference_report, untouched_passes

# Subtasks whose references cannot make them pass, and why (README, "The evaluator check").
CANNOT_PASS = {
    "1-14-2": "reference file salery.xlsx is not in the data",  # reference/ has salary.xlsx
    "3-36-0": "evaluate_file_exist (data/scores.xlsx)",  # and a calendar event: not references
}
# Subtasks whose checks already pass on the starting testbed.
PASS_UNTOUCHED = {
    "1-2-1": "both calendars already hold a dinner and do not overlap",
    "1-11-3": "company_budget.xlsx is already sorted as the reference",
    "2-16-0": "Alice's calendar already names Linda, Davide and Charlie",
    "2-25-0": "the check asks only that the input .docx exists",
}


def test_reference_outputs_pass_and_untouched_workspaces_fail(officebench):
    rows = reference_report(officebench)
    assert len(rows) == 16  # 1-8 (5), 1-11 (3), 1-14 (5), 3-36, 3-37, 3-38
    for row in rows:
        if row.subtask in CANNOT_PASS:
            assert not row.passes_with_reference
            assert any(r.startswith(CANNOT_PASS[row.subtask]) for r in row.reasons), row.reasons
        else:
            assert row.passes_with_reference, (row.subtask, row.reasons)
        assert row.untouched_fails == (row.subtask not in PASS_UNTOUCHED), row.subtask


def test_untouched_testbeds_fail_except_known_defects(officebench):
    assert set(untouched_passes(officebench)) == set(PASS_UNTOUCHED)
