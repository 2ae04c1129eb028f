"""Against the real llama.cpp server and Qwen2.5-Coder-0.5B (see tests/conftest.py)."""

from __future__ import annotations

import pytest

from acon.llm import LLMSession, ModelSettings
from tests.support.processes import kill_harness, pid_alive, wait_gone

pytestmark = pytest.mark.integration

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population_millions": {"type": "number"}},
    "required": ["city", "population_millions"],
    "additionalProperties": False,
}


def test_chat_json_schema_and_usage_per_role(local_cfg, tmp_path):
    with LLMSession(ModelSettings.of(local_cfg), tmp_path) as llms:
        reply = llms.client("agent").chat(
            [{"role": "user", "content": "What is 2 + 3? Answer with the number only."}]
        )
        structured = llms.client("compressor").chat(
            [{"role": "user", "content": "Name the largest city of Japan and its population."}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "city", "schema": SCHEMA, "strict": True},
            },
        )
        server = next(iter(llms.servers.values()))
        pid = server.pid
        assert server.base_url.startswith("http://127.0.0.1:")
        roles = llms.ledger.by_role()
    assert "5" in reply.text
    data = structured.json()
    assert set(data) == {"city", "population_millions"}
    assert isinstance(data["population_millions"], int | float)
    for role in ("agent", "compressor"):
        assert roles[role].calls == 1 and roles[role].cache_hits == 0
        assert roles[role].prompt_tokens > 0 and roles[role].completion_tokens > 0
        assert roles[role].prompt_tokens_cl100k > 0 and roles[role].latency_s > 0
    assert (tmp_path / "llama-server-qwen2.5-coder-0.5b.log").stat().st_size > 0
    assert not pid_alive(pid)  # stopped when the session closed


def test_repeated_prefix_is_reported_as_cached(local_cfg, tmp_path):
    prefix = [{"role": "system", "content": "You are terse. " + "Background fact. " * 80}]
    with LLMSession(ModelSettings.of(local_cfg), tmp_path) as llms:
        agent = llms.client("agent")
        agent.chat(prefix + [{"role": "user", "content": "Say A."}], max_tokens=4)
        second = agent.chat(prefix + [{"role": "user", "content": "Say B."}], max_tokens=4)
    assert second.usage.cached_prompt > 100
    assert second.usage.cached_prompt < second.usage.prompt


def test_server_is_stopped_when_the_block_raises(local_cfg, tmp_path):
    pid = None
    with pytest.raises(RuntimeError), LLMSession(ModelSettings.of(local_cfg), tmp_path) as llms:
        llms.client("agent").chat([{"role": "user", "content": "Hi"}], max_tokens=1)
        pid = next(iter(llms.servers.values())).pid
        raise RuntimeError("boom")
    assert pid and not pid_alive(pid)


def test_no_orphan_when_the_harness_is_killed(local_cfg, tmp_path):
    script = f"""
import sys
from acon.composition import compose
from acon.llm import LLMSession, ModelSettings
cfg = compose(["llm.cache.dir={tmp_path / "responses"}"])
llms = LLMSession(ModelSettings.of(cfg), {str(tmp_path)!r})
llms.client("agent").chat([{{"role": "user", "content": "Hi"}}], max_tokens=1)
print(next(iter(llms.servers.values())).pid, flush=True)
import time; time.sleep(600)
"""
    assert wait_gone(kill_harness(script))
