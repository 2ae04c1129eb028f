from __future__ import annotations

import threading
import time

import pytest

from acon.errors import AconError
from acon.llm.client import LLMCallError
from acon.llm.config import RoleConfig
from acon.llm.fake_server import FakeOpenAI
from acon.llm.usage import UsageLedger
from acon.servers import free_port

MSGS = [{"role": "user", "content": "hi"}]


def test_retries_429_and_500_then_succeeds(make_client):
    ledger = UsageLedger()
    with FakeOpenAI([429, 500, 503, "finally"]) as fake:
        result = make_client(fake, ledger=ledger, max_retries=3).chat(MSGS)
        assert len(fake.requests) == 4
    assert result.text == "finally"
    assert ledger.by_role()["agent"].retries == 3


def test_retries_are_bounded_and_end_in_one_sentence(make_client):
    ledger = UsageLedger()
    with FakeOpenAI([429] * 10) as fake:
        with pytest.raises(
            LLMCallError,
            match=r"still rate-limiting after 2 retries: lower "
            r"llm\.agent\.max_concurrency",
        ) as err:
            make_client(fake, ledger=ledger, max_retries=2).chat(MSGS)
        assert len(fake.requests) == 3
    assert err.value.status == 429
    assert ledger.by_role()["agent"].failures == 1


def test_client_errors_are_not_retried(make_client):
    with FakeOpenAI([400, "never"]) as fake:
        with pytest.raises(LLMCallError, match="rejected the request"):
            make_client(fake).chat(MSGS)
        assert len(fake.requests) == 1


def test_unreachable_endpoint_names_the_fix(make_client):
    class Dead:
        base_url = f"http://127.0.0.1:{free_port()}/v1"

    with pytest.raises(
        LLMCallError,
        match=r"Could not reach the agent endpoint .* after 1 "
        r"retries: start that server or fix "
        r"llm\.agent\.base_url",
    ):
        make_client(Dead, max_retries=1).chat(MSGS)


def test_missing_api_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("ACON_TEST_KEY", raising=False)
    config = RoleConfig(base_url="https://api.example.com/v1", api_key_env="ACON_TEST_KEY")
    with pytest.raises(AconError, match=r"needs an API key: export ACON_TEST_KEY="):
        config.api_key("optimizer")


def test_a_key_pasted_into_api_key_env_is_refused():
    config = RoleConfig(api_key_env="sk-abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(AconError, match="must name an environment variable"):
        config.api_key("agent")


def test_usage_and_cost_are_recorded_per_role(make_client):
    ledger = UsageLedger()
    with FakeOpenAI(
        usage={"prompt_tokens": 1000, "completion_tokens": 100, "cached_tokens": 400}
    ) as fake:
        make_client(fake, ledger=ledger, role="agent").chat(MSGS)
        make_client(fake, ledger=ledger, role="agent").chat(MSGS + MSGS)
        make_client(fake, ledger=ledger, role="compressor").chat(MSGS)
    roles = ledger.by_role()
    assert roles["agent"].calls == 2 and roles["compressor"].calls == 1
    assert roles["agent"].prompt_tokens == 2000
    assert roles["agent"].cached_prompt_tokens == 800
    assert roles["agent"].completion_tokens == 200
    # (600 * 2.0 + 400 * 0.5 + 100 * 8.0) / 1e6 per call
    assert roles["compressor"].cost_usd == pytest.approx(0.0022)
    assert ledger.total().calls == 3
    assert roles["agent"].prompt_tokens_cl100k > roles["compressor"].prompt_tokens_cl100k > 0


def test_request_carries_role_defaults_and_overrides(make_client):
    with FakeOpenAI() as fake:
        client = make_client(fake, temperature=0.0, max_tokens=77, seed=5, provider="openai")
        client.chat(MSGS, stop=["\n"])
        client.chat(MSGS, max_tokens=9, temperature=0.3)
    first, second = fake.requests
    assert first["max_completion_tokens"] == 77 and "max_tokens" not in first
    assert (first["temperature"], first["seed"], first["stop"]) == (0.0, 5, ["\n"])
    assert (second["max_completion_tokens"], second["temperature"]) == (9, 0.3)


def test_null_temperature_is_omitted(make_client):
    with FakeOpenAI() as fake:
        make_client(fake, temperature=None).chat(MSGS)
    assert "temperature" not in fake.requests[0]


def test_concurrency_limit_holds(make_client):
    active, peak, lock = 0, 0, threading.Lock()

    def slow(body):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return "ok"

    with FakeOpenAI(default=slow) as fake:
        client = make_client(fake, max_concurrency=2)
        threads = [threading.Thread(target=client.chat, args=(MSGS,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert peak == 2


def test_json_reply_tolerates_a_code_fence(make_client):
    with FakeOpenAI(['```json\n{"a": 1}\n```']) as fake:
        assert make_client(fake).chat(MSGS).json() == {"a": 1}


def test_call_log_is_appended_as_it_happens(tmp_path, make_client):
    ledger = UsageLedger(log_path=tmp_path / "calls.jsonl")
    with FakeOpenAI() as fake:
        client = make_client(fake, ledger=ledger)
        client.chat(MSGS)
        assert len((tmp_path / "calls.jsonl").read_text().splitlines()) == 1
        client.chat(MSGS)
    ledger.close()
    assert len((tmp_path / "calls.jsonl").read_text().splitlines()) == 2
