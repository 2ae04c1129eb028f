"""Each export target is taken by its own library: the library formats, validates or sends
the exported form, and the guideline arrives intact (braces, quotes and all)."""

from __future__ import annotations

import importlib.util
import json
import runpy

import httpx
import pytest

from acon.export.targets import TARGETS, anthropic_settings, letta_settings
from acon.guidelines import GuidelineStore, Lineage
from acon.llm.fake_server import FakeOpenAI

TEXT = 'Keep every id {like 17} and "quoted" names.\nNever drop {{ totals }} or """notes""".'


@pytest.fixture
def guideline(tmp_path):
    return GuidelineStore(tmp_path / "g").add("history", "acon-opt", TEXT, Lineage(step="ut"))


def form(name, guideline):
    return next(t for t in TARGETS if t.name == name).form(guideline)


def test_langchain_summarization_middleware_sends_the_guideline(guideline):
    from langchain.agents.middleware import SummarizationMiddleware
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage

    prompts = []

    class Recorder(BaseCallbackHandler):
        def on_chat_model_start(self, serialized, messages, **kwargs):
            prompts.extend(m.content for batch in messages for m in batch)

    model = GenericFakeChatModel(
        messages=iter([AIMessage("Invoice 17: 420 EUR.")]), callbacks=[Recorder()]
    )
    middleware = SummarizationMiddleware(
        model=model,
        summary_prompt=form("langchain", guideline),
        trigger=("messages", 3),
        keep=("messages", 1),
    )
    history = [
        HumanMessage("Find the total.", id="1"),
        AIMessage("searching", id="2"),
        HumanMessage("invoice 17: total 420 EUR", id="3"),
        AIMessage("done", id="4"),
    ]
    update = middleware.before_model({"messages": history}, None)
    (prompt,) = prompts
    assert prompt.startswith(TEXT) and "invoice 17: total 420 EUR" in prompt
    assert "Invoice 17: 420 EUR." in update["messages"][1].content


def test_openhands_condenser_template_renders_with_jinja(guideline):
    import jinja2

    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        form("openhands", guideline)
    )  # as OpenHands' render_template does, with its `events` variable
    prompt = template.render(events=["MessageEvent(find the total)", "Observation(420 EUR)"])
    assert prompt.startswith(TEXT) and "<EVENT>\nObservation(420 EUR)\n</EVENT>" in prompt


@pytest.mark.skipif(
    importlib.util.find_spec("openhands") is None,
    reason="openhands-sdk is not on this machine's package index",
)
def test_openhands_sdk_condenser_accepts_the_template(guideline, tmp_path):  # pragma: no cover
    from openhands.sdk.context.prompts import render_template

    (tmp_path / "summarizing_prompt.j2").write_text(form("openhands", guideline))
    prompt = render_template(str(tmp_path), "summarizing_prompt.j2", events=["e1"])
    assert prompt.startswith(TEXT)


def test_letta_compaction_settings_validate_and_are_sent(guideline):
    from letta_client import Letta
    from letta_client.types.agent_create_params import CompactionSettings
    from pydantic import TypeAdapter

    settings = json.loads(letta_settings(guideline))["compaction_settings"]
    assert set(settings) <= set(CompactionSettings.__annotations__)
    assert TypeAdapter(CompactionSettings).validate_python(settings)["prompt"] == TEXT
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(400, json={"detail": "stop here"})

    client = Letta(
        api_key="k",
        base_url="http://127.0.0.1:9",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(Exception, match="400"):
        client.agents.create(model="openai/gpt-4.1", compaction_settings=settings)
    assert sent[0]["compaction_settings"] == {"mode": "sliding_window", "prompt": TEXT}


def test_anthropic_compaction_edit_validates_and_is_sent(guideline):
    import anthropic
    import httpx2
    from anthropic.types.beta import BetaCompact20260112EditParam
    from pydantic import TypeAdapter

    extra = json.loads(anthropic_settings(guideline))
    (edit,) = extra["context_management"]["edits"]
    assert set(edit) <= set(BetaCompact20260112EditParam.__annotations__)
    assert TypeAdapter(BetaCompact20260112EditParam).validate_python(edit)["instructions"] == TEXT
    sent = []

    def handler(request):
        sent.append((request.headers, json.loads(request.content)))
        return httpx2.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "m",
                "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        )

    transport = httpx2.MockTransport(handler)  # the SDK's own HTTP client package
    client = anthropic.Anthropic(
        api_key="k", base_url="http://127.0.0.1:9", http_client=httpx2.Client(transport=transport)
    )
    client.beta.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=64,
        messages=[{"role": "user", "content": "hi"}],
        **extra,
    )
    headers, body = sent[0]
    assert "compact-2026-01-12" in headers["anthropic-beta"]
    assert body["context_management"]["edits"][0]["instructions"] == TEXT


def test_dspy_module_carries_the_guideline_and_runs(guideline, tmp_path):
    import dspy

    path = tmp_path / "g.dspy.py"
    path.write_text(form("dspy", guideline))
    module = runpy.run_path(str(path))
    signature = module["Compress"]
    assert signature.instructions == TEXT
    assert list(signature.input_fields) == ["task", "previous_summary", "history"]
    assert list(signature.output_fields) == ["summary"]
    reply = (
        "[[ ## reasoning ## ]]\nr\n\n[[ ## summary ## ]]\nInvoice 17: 420 EUR.\n\n"
        "[[ ## completed ## ]]"
    )
    with FakeOpenAI([reply]) as fake:
        lm = dspy.LM("openai/m", api_base=fake.base_url, api_key="k", cache=False)
        with dspy.context(lm=lm):
            pred = module["compress"](task="t", previous_summary="none", history="invoice 17")
        system = fake.requests[0]["messages"][0]["content"]  # DSPy indents the lines
        assert all(line in system for line in TEXT.splitlines())
    assert pred.summary == "Invoice 17: 420 EUR."
