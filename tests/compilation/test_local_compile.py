"""The compile stage against the real local model: llama.cpp decodes the strict schema
(its `$defs` included), so the 0.5B model's proposals and verdicts always parse, and the
store receives them."""

from __future__ import annotations

import json

import pytest

from acon.compilation.compiler import compile_trajectories
from acon.compilation.config import AuditSource, CompilationConfig, SourcesConfig
from acon.compilation.store import PairStore, store_url
from acon.llm import LLMSession, ModelSettings

pytestmark = pytest.mark.integration

ROWS = [
    ("crm.lookup", {"name": "Ada"}, "customer Ada, id C-77, plan Gold since 2019"),
    ("orders.list", {"customer": "C-77"}, "orders: O-12 (open), O-9 (closed)"),
    ("orders.get", {"order": "O-12"}, "order O-12: 3 chairs, ships to the Leeds depot"),
    ("depots.get", {"city": "Leeds"}, "Leeds depot opens at 7:00, manager Grace"),
    ("notify", {"to": "C-77"}, "message sent"),
]


def test_the_local_model_proposes_and_judges_in_schema(local_cfg, tmp_path):
    pytest.importorskip("presidio_analyzer", reason="the compile extra (make setup installs it)")
    log = tmp_path / "audit.jsonl"
    log.write_text(
        "".join(
            json.dumps(
                {
                    "session_id": "s1",
                    "timestamp": i,
                    "agent": "bot",
                    "tool": tool,
                    "arguments": args,
                    "response": response,
                }
            )
            + "\n"
            for i, (tool, args, response) in enumerate(ROWS)
        )
    )
    config = CompilationConfig(sources=SourcesConfig(audit=[AuditSource(path=str(log))]))
    store = PairStore(store_url(None, tmp_path))
    with LLMSession(ModelSettings.of(local_cfg), tmp_path) as llms:
        report = compile_trajectories(config, llms, store, set())
    assert (report.trajectories, report.compiled) == (1, 1)
    assert "unparsable_reply" not in report.dropped  # the schema held
    pairs = store.pairs(kept=None)
    assert len(pairs) == report.proposed >= 1
    for pair in pairs:  # every check ran until the first failure, and said yes or no
        verdicts = list(pair["verdicts"].values())
        assert verdicts[0] is not None
        ran = [v for v in verdicts if v is not None]
        assert all(isinstance(v, bool) for v in ran) and False not in ran[:-1]
