"""The compile loop's boundary rules: which roles are off this machine, the refusal to send
unredacted names there, and redaction of whole sessions before they are windowed."""

from __future__ import annotations

import json

import pytest

from acon.compilation.compiler import compile_trajectories, is_external, make_redactor
from acon.compilation.config import (
    AuditSource,
    CompilationConfig,
    RedactionConfig,
    SourcesConfig,
    VerifyConfig,
)
from acon.compilation.store import PairStore, store_url
from acon.composition import compose
from acon.errors import AconError
from acon.llm import LLMSession, ModelSettings
from acon.llm.config import RoleConfig
from acon.llm.fake_server import FakeOpenAI

pytest.importorskip("presidio_analyzer", reason="the compile extra (make setup installs it)")


@pytest.mark.parametrize(
    ("url", "external"),
    [
        ("local://qwen2.5-coder-0.5b", False),
        ("http://127.0.0.1:8000/v1", False),
        ("http://localhost:11434/v1", False),
        ("https://api.openai.com/v1", True),
        ("http://10.0.0.5:8000/v1", True),  # another machine, even on a private network
    ],
)
def test_which_endpoints_are_off_this_machine(url, external):
    assert is_external(RoleConfig(base_url=url)) is external


def test_names_are_not_sent_off_this_machine_unredacted():
    roles = {
        "compiler": RoleConfig(base_url="https://api.openai.com/v1"),
        "judge": RoleConfig(base_url="local://qwen2.5-coder-0.5b"),
    }
    config = CompilationConfig(redaction=RedactionConfig(ner_model="no_such_spacy_model"))
    with pytest.raises(AconError, match="allow_without_ner=true") as refused:
        make_redactor(config, roles, set())
    assert "compiler" in str(refused.value) and "judge" not in str(refused.value)
    allowed = CompilationConfig(
        redaction=RedactionConfig(ner_model="no_such_spacy_model", allow_without_ner=True)
    )
    redactor, external = make_redactor(allowed, roles, set())
    assert external == ["compiler"] and not redactor.detects_names


def test_a_session_is_redacted_whole_before_it_is_windowed(tmp_path):
    log = tmp_path / "audit.jsonl"
    rows = [
        {
            "session_id": "s",
            "timestamp": i,
            "agent": "bot",
            "tool": f"t{i}",
            "arguments": {"i": i},
            "response": f"contact {'bob@example.org' if i == 0 else 'ada@example.com'} {i}",
        }
        for i in range(12)
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = CompilationConfig(
        sources=SourcesConfig(audit=[AuditSource(path=str(log))], window_turns=4),
        verify=VerifyConfig(checks=["turns_exist"]),
    )
    with FakeOpenAI(default=json.dumps({"pairs": []})) as fake:
        cfg = compose(
            [
                f"llm.common.base_url={fake.base_url}",
                "llm.common.model=scripted",
                f"llm.cache.dir={tmp_path / 'cache'}",
            ]
        )
        store = PairStore(store_url(None, tmp_path))
        with LLMSession(ModelSettings.of(cfg), tmp_path) as llms:
            report = compile_trajectories(config, llms, store, set())
    assert report.trajectories == 3 and report.redacted == {"EMAIL": 12}
    texts = {
        row["window"]: " ".join(t["text"] for t in row["turns"]) for row in store.trajectories()
    }
    # bob (turn 1, window 0 only) is <EMAIL_1>, ada <EMAIL_2> in every window: windows
    # redacted on their own would have made ada <EMAIL_1> in windows 1 and 2
    assert "contact <EMAIL_1> 0" in texts[0] and "contact <EMAIL_2> 1" in texts[0]
    for window in (1, 2):
        assert "<EMAIL_2>" in texts[window] and "<EMAIL_1>" not in texts[window]
    assert report.dropped == {} and report.proposed == 0
