"""`acon-compile` end to end on an audit log with planted secrets and personal data, every
role behind a stand-in that enforces the OpenAI API's rules: the three stages run, nothing
planted reaches an endpoint, the store, an export or the tracking store, and a rerun
compiles nothing again."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from acon.llm.fake_server import FakeOpenAI

pytest.importorskip("presidio_analyzer", reason="the compile extra (make setup installs it)")

KEY_VALUE = "acon-test-key-9f8e7d6c5b4a"  # the value of the role's API-key variable
PLANTED = [
    "ada.lovelace@example.com",
    "+44 20 7946 0958",
    "sk-proj-4fTq9ZkV2mW8xR1nB7cL3pD6sH0jY5aE",
    "AKIAIOSFODNN7EXAMPLE",
    "hunter2hunter2",
    "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    KEY_VALUE,
]


def audit_rows():
    rows = []
    for s, city in (("s1", "Leeds"), ("s2", "Lima")):
        base = {"session_id": s, "agent": "support-bot", "cost": 0.001, "duration": 0.2}
        rows += [
            {
                **base,
                "timestamp": f"2026-11-0{s[-1]}T10:00:03Z",
                "tool": "orders.find",
                "arguments": {"customer": "C-77"},
                "response": f"order O-12 ships to {city} depot",
            },
            {
                **base,
                "timestamp": f"2026-11-0{s[-1]}T10:00:01Z",
                "tool": "crm.lookup",
                "arguments": {"email": PLANTED[0]},
                "response": f"customer C-77, phone {PLANTED[1]}, key {PLANTED[2]}",
            },
            {
                **base,
                "timestamp": f"2026-11-0{s[-1]}T10:00:02Z",
                "tool": "http.get",
                "arguments": {
                    "url": "https://api.example.com/v1/orders",
                    "aws_access_key_id": PLANTED[3],
                },
                "response": f"password={PLANTED[4]} token {PLANTED[5]} ok",
            },
            {
                **base,
                "timestamp": f"2026-11-0{s[-1]}T10:00:04Z",
                "tool": "notify",
                "arguments": {"to": PLANTED[0]},
                "response": f"sent with {KEY_VALUE}",
            },
        ]
    return rows


def brain(request):
    """Each program's answer, by the schema its request asks for."""
    name = request["response_format"]["json_schema"]["name"]
    prompt = request["messages"][-1]["content"]
    if name == "ProposePairs":
        turns = sorted(int(n) for n in re.findall(r"\[turn (\d+)\]", prompt))
        city = re.search(r"ships to (\w+) depot", prompt).group(1)
        return json.dumps(
            {
                "pairs": [
                    {
                        "question": "Where does the order of customer C-77 ship to?",
                        "answer": f"{city} depot",
                        "supporting_turns": [turns[0], turns[2]],
                    },
                    {
                        "question": "Which tool ran first?",
                        "answer": "crm.lookup",
                        "supporting_turns": [turns[0], turns[1]],
                    },  # adjacent: rejected
                ]
            }
        )
    if name == "JudgeSupport":
        return json.dumps({"supported": True})
    if name == "AnswerFromContext":  # one turn alone cannot tell; the whole context can
        city = re.search(r"ships to (\w+) depot", prompt)
        whole = len(re.findall(r"\[turn \d+\]", prompt)) > 1 and city
        return json.dumps({"answer": f"{city.group(1)} depot" if whole else "unknown"})
    if name == "JudgeAnswer":
        return json.dumps({"correct": True})
    raise AssertionError(name)


def command(fake, tmp_path, log):
    return [
        sys.executable,
        "-m",
        "acon.cli.compile",
        f"hydra.run.dir={tmp_path / 'run'}",
        f"compilation.sources.audit=[{{path: {log}}}]",
        "compilation.sources.min_turns=3",
        f"llm.common.base_url={fake.base_url}",
        "llm.common.model=gpt-4.1-mini",
        "llm.common.provider=openai",
        "llm.common.api_key_env=ACON_TEST_KEY",
        f"llm.cache.dir={tmp_path / 'responses'}",
        f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}",
        f"tracking.artifacts_dir={tmp_path / 'mlartifacts'}",
        "compilation.verify.checks=[turns_exist,non_adjacent,overlap,judge_support,"
        "multi_turn,reader]",
    ]


def test_compile_export_evaluate_with_nothing_planted_leaving(tmp_path):
    log = tmp_path / "audit.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in audit_rows()))
    env = {**os.environ, "ACON_TEST_KEY": KEY_VALUE}
    with FakeOpenAI(default=brain, rules="openai") as fake:
        proc = subprocess.run(
            command(fake, tmp_path, log), capture_output=True, text=True, timeout=600, env=env
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert fake.rejected == []
        sent = json.dumps(fake.requests)
        first = len(fake.requests)
        again = subprocess.run(
            command(fake, tmp_path, log), capture_output=True, text=True, timeout=600, env=env
        )
        assert again.returncode == 0, again.stderr[-3000:]
        # the rerun compiled nothing again (the evaluation asks again: its own stage)
        asked_again = [r["response_format"]["json_schema"]["name"] for r in fake.requests[first:]]
        assert "ProposePairs" not in asked_again
    run = tmp_path / "run"
    report = json.loads((run / "compilation.json").read_text())
    assert (report["trajectories"], report["proposed"], report["kept"]) == (2, 4, 2)
    assert report["passed"]["non_adjacent"] == 2 and report["passed"]["reader"] == 2
    assert report["redacted"]["EMAIL"] >= 2 and report["redacted"]["SECRET"] >= 5
    evaluation = json.loads((run / "evaluate" / "evaluation.json").read_text())
    assert evaluation["pairs"] == 2 and evaluation["em"]["mean"] == 1.0
    train = (run / "export" / "longcontext_train.jsonl").read_text()
    assert "<EMAIL_1>" in train + (run / "export" / "longcontext_val.jsonl").read_text()
    for value in PLANTED:
        assert value not in sent, f"{value} reached the endpoint"
        for path in [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "audit.jsonl"]:
            assert value.encode() not in path.read_bytes(), f"{value} is in {path}"


def test_nothing_to_compile_is_one_sentence_and_exit_2(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "acon.cli.compile",
            f"hydra.run.dir={tmp_path / 'run'}",
            "compilation.stages=[compile]",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "compilation.sources.runs" in proc.stderr + proc.stdout
