"""A local model's server starts at its role's first live call, not when the role's client
is made (issue: a re-run answered wholly from the response cache started and health-polled
both llama.cpp servers, 44 s for nothing)."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
from acon.llm.fake_server import FakeOpenAI

ASK = [{"role": "user", "content": "What is 2 + 3?"}]


def test_a_run_answered_from_the_cache_starts_no_server(tmp_path, monkeypatch):
    cfg = compose(["llm=local", f"llm.cache.dir={tmp_path / 'responses'}"])
    settings = ModelSettings.of(cfg)
    started: list[str] = []
    with FakeOpenAI(["5"]) as fake:  # the cold run: a stand-in where the server would be

        def serve(self, name):
            started.append(name)
            return fake.base_url

        monkeypatch.setattr(LLMSession, "_local_url", serve)
        with LLMSession(settings, tmp_path / "cold") as llms:
            client = llms.client("agent")
            assert started == []  # made, not started
            assert client.chat(ASK).text == "5"
        assert started == ["qwen2.5-coder-0.5b"]

    def refuse(self, name):
        raise AssertionError(f"started the {name} server for a cached answer")

    monkeypatch.setattr(LLMSession, "_local_url", refuse)
    with LLMSession(settings, tmp_path / "warm") as llms:
        reply = llms.client("agent").chat(ASK)
        assert reply.cache_hit and reply.text == "5" and llms.servers == {}
        with pytest.raises(AssertionError, match="started the qwen2.5-coder-0.5b server"):
            llms.client("agent").chat([{"role": "user", "content": "Not cached."}])
