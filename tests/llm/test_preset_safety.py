"""Presets never send a key to a placeholder host, a refusal says what to do, and the
quickstart's models follow `llm=...` (the scripted endpoint; real processes)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from acon.composition import compose
from acon.errors import AconError
from acon.llm import LLMSession, ModelSettings
from acon.llm.client import LLMCallError, LLMClient
from acon.llm.config import ROLES, resolve_role
from acon.llm.fake_server import FakeOpenAI
from acon.llm.pricing import PriceTable
from acon.llm.usage import UsageLedger

MSGS = [{"role": "user", "content": "hi"}]


def test_azure_without_its_resource_variable_is_refused_before_any_client(monkeypatch, tmp_path):
    monkeypatch.delenv("AZURE_OPENAI_RESOURCE", raising=False)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "sk-secret")
    cfg = compose(["llm=azure", f"llm.cache.dir={tmp_path / 'responses'}"])
    with LLMSession(ModelSettings.of(cfg), tmp_path) as llms, pytest.raises(AconError) as refused:
        llms.client("agent")
    message = str(refused.value)
    assert "export AZURE_OPENAI_RESOURCE=" in message and "my-resource" not in message
    monkeypatch.setenv("AZURE_OPENAI_RESOURCE", "contoso")
    resolved = resolve_role(compose(["llm=azure"]).llm, "agent")
    assert resolved.base_url == "https://contoso.openai.azure.com/openai/v1"


def test_the_azure_command_without_the_variable_is_one_sentence(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AZURE_OPENAI_RESOURCE"}
    env["AZURE_OPENAI_API_KEY"] = "sk-secret"
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.rollout",
        "llm=azure",
        "rollout.limit=1",
        "tracking=off",
        f"hydra.run.dir={tmp_path / 'run'}",
        "llm.common.max_retries=0",
        f"llm.cache.dir={tmp_path / 'responses'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = (proc.stdout + proc.stderr).strip().splitlines()[-1]
    assert "needs the environment variable AZURE_OPENAI_RESOURCE" in last
    assert not (tmp_path / "run" / "results.jsonl").exists()  # no task was tried


def test_a_key_less_preset_refused_by_its_endpoint_says_where_the_key_goes():
    with FakeOpenAI([401]) as fake:
        cfg = compose(["llm=vllm", f"llm.common.base_url={fake.base_url}"])
        client = LLMClient(
            "agent", resolve_role(cfg.llm, "agent"), ledger=UsageLedger(), prices=PriceTable({})
        )
        with pytest.raises(LLMCallError) as refused:
            client.chat(MSGS)
    message = str(refused.value)
    assert "None" not in message and "llm.agent.api_key_env=" in message


def test_the_quickstart_keeps_its_local_models_offline_and_follows_llm_openai():
    offline = compose(["+experiment=quickstart"]).llm
    roles = {r: resolve_role(offline, r) for r in ("agent", "compressor", "optimizer")}
    assert {r: (c.base_url, c.max_tokens) for r, c in roles.items()} == {
        "agent": ("local://qwen2.5-coder-1.5b", 120),
        "compressor": ("local://qwen2.5-coder-0.5b", 256),
        "optimizer": ("local://qwen2.5-coder-1.5b", 384),
    }
    hosted = compose(["+experiment=quickstart", "llm=openai"]).llm
    for role in ROLES:
        assert resolve_role(hosted, role).base_url == "https://api.openai.com/v1", role
    assert resolve_role(hosted, "agent").model == "gpt-4.1"
    assert resolve_role(hosted, "optimizer").model == "o3"


def test_llm_api_sends_every_role_to_the_one_endpoint_with_its_key(monkeypatch, tmp_path):
    """The README's line for any OpenAI-compatible API: `llm=api` with an address and a
    model sends each role's call there, with the key from ACON_API_KEY (the stand-in
    keeps OpenAI's request rules)."""
    monkeypatch.setenv("ACON_API_KEY", "sk-test-key")
    with FakeOpenAI(rules="openai") as fake:
        cfg = compose(
            [
                "+experiment=quickstart",
                "llm=api",
                f"llm.common.base_url={fake.base_url}",
                "llm.common.model=gpt-4.1-mini",
                f"llm.cache.dir={tmp_path / 'responses'}",
            ]
        )
        with LLMSession(ModelSettings.of(cfg), tmp_path) as llms:
            for role in ROLES:
                asked = [{"role": "user", "content": f"hi from the {role}"}]  # no cache hit
                assert llms.client(role).chat(asked).text == "ok", role
    assert [r["model"] for r in fake.requests] == ["gpt-4.1-mini"] * len(ROLES)
    assert not fake.rejected
    monkeypatch.delenv("ACON_API_KEY")
    with LLMSession(ModelSettings.of(cfg), tmp_path) as llms, pytest.raises(AconError) as refused:
        llms.client("agent")
    assert "ACON_API_KEY" in str(refused.value)
