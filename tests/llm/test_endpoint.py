"""The endpoint contract, pinned against the real endpoints' rules (OFFLINE.md, "Real
endpoints"; the API's own 400 answers), not against a copy of the contract's code."""

from __future__ import annotations

import logging

import httpx
import pytest
from dspy.clients.lm import _is_openai_reasoning_model

from acon.composition import compose
from acon.errors import AconError
from acon.llm import endpoint
from acon.llm.config import RoleConfig, resolve_role
from acon.llm.endpoint import is_reasoning, is_reasoning_model, provider_of, request_fields
from acon.llm.fake_server import FakeOpenAI

OPENAI = "https://api.openai.com/v1"
AZURE = "https://my-resource.openai.azure.com/openai/v1"
LOCAL_VLLM = "http://127.0.0.1:8000/v1"
OLLAMA = "http://127.0.0.1:11434/v1"
PROXY = "https://llm-gateway.example.com/v1"
STRICT = {
    "type": "json_schema",
    "json_schema": {
        "name": "capital",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
ALL_SAMPLING = {
    "temperature": 0.7,
    "top_p": 0.9,
    "presence_penalty": 0.1,
    "frequency_penalty": 0.1,
    "logprobs": True,
    "top_logprobs": 2,
    "logit_bias": {"50256": -100},
    "stop": ["\n"],
}

# (id, role config fields, per-call params, sample, exact request fields, stand-in rules)
CASES = [
    (
        "llamacpp local model",
        dict(base_url="local://qwen2.5-coder-0.5b"),
        {},
        0,
        {"temperature": 0.0, "seed": 42, "max_tokens": 1024},
        "llamacpp",
    ),
    (
        "openai gpt-4.1 with stop",
        dict(base_url=OPENAI, model="gpt-4.1"),
        {"stop": ["\n"]},
        0,
        {"temperature": 0.0, "seed": 42, "max_completion_tokens": 1024, "stop": ["\n"]},
        "openai",
    ),
    (
        "openai o3, the paper's optimizer",
        dict(
            base_url=OPENAI, model="o3", temperature=0.7, max_tokens=16384, reasoning_effort="high"
        ),
        {**ALL_SAMPLING, "response_format": STRICT},
        0,
        {
            "seed": 42,
            "max_completion_tokens": 16384,
            "reasoning_effort": "high",
            "response_format": STRICT,
        },
        "openai",
    ),
    (
        "openai gpt-5-mini, per-call max_tokens",
        dict(base_url=OPENAI, model="gpt-5-mini"),
        {"max_tokens": 99, "temperature": 0.7},
        0,
        {"seed": 42, "max_completion_tokens": 99},
        "openai",
    ),
    (
        "openai gpt-5-chat-latest is no reasoning model",
        dict(base_url=OPENAI, model="gpt-5-chat-latest", reasoning_effort="low"),
        {},
        0,
        {"temperature": 0.0, "seed": 42, "max_completion_tokens": 1024},
        "openai",
    ),
    (
        "azure deployment flagged reasoning",
        dict(base_url=AZURE, model="prod-planner", reasoning=True, reasoning_effort="low"),
        {"temperature": 0.7, "stop": ["x"]},
        0,
        {"seed": 42, "max_completion_tokens": 1024, "reasoning_effort": "low"},
        "azure",
    ),
    (
        "azure gpt-4.1 on a cognitiveservices host",
        dict(base_url="https://r.cognitiveservices.azure.com/openai/v1", model="gpt-4.1"),
        {},
        0,
        {"temperature": 0.0, "seed": 42, "max_completion_tokens": 1024},
        "azure",
    ),
    (
        "vllm: DSPy's max_completion_tokens becomes max_tokens",
        dict(
            base_url=LOCAL_VLLM,
            provider="vllm",
            model="Qwen/Qwen2.5-7B-Instruct",
            reasoning_effort="high",
        ),
        {"max_completion_tokens": 50},
        0,
        {"temperature": 0.0, "seed": 42, "max_tokens": 50},
        "vllm",
    ),
    (
        "ollama with tools",
        dict(base_url=OLLAMA, provider="ollama", model="qwen2.5-coder:1.5b"),
        {"tools": TOOLS, "tool_choice": "auto"},
        0,
        {"temperature": 0.0, "seed": 42, "max_tokens": 1024, "tools": TOOLS, "tool_choice": "auto"},
        "ollama",
    ),
    (
        "o3 behind a generic proxy",
        dict(base_url=PROXY, model="openai/o3", temperature=0.7, reasoning_effort="high"),
        {},
        0,
        {"seed": 42, "max_completion_tokens": 1024},
        "openai",
    ),
    (
        "generic server, open model",
        dict(base_url=PROXY, model="llama-3.1-8b"),
        {},
        0,
        {"temperature": 0.0, "seed": 42, "max_tokens": 1024},
        "vllm",
    ),
    (
        "sample 2 of o3 is its own draw",
        dict(base_url=OPENAI, model="o3"),
        {"temperature": 0.7},
        2,
        {"seed": 44, "max_completion_tokens": 1024},
        "openai",
    ),
    (
        "per-call None is not sent",
        dict(base_url=OPENAI, model="gpt-4.1"),
        {"temperature": None, "max_tokens": None},
        0,
        {"seed": 42},
        "openai",
    ),
    (
        "omit drops the seed and the token limit",
        dict(base_url=OPENAI, model="gpt-4.1", omit=["seed", "max_tokens"]),
        {},
        0,
        {"temperature": 0.0},
        "openai",
    ),
    (
        "no seed configured",
        dict(base_url="local://m", seed=None),
        {},
        0,
        {"temperature": 0.0, "max_tokens": 1024},
        "llamacpp",
    ),
]
IDS = [case[0] for case in CASES]
ARGS = ("name", "fields", "params", "sample", "expected", "rules")


@pytest.mark.parametrize(ARGS, CASES, ids=IDS)
def test_request_fields_are_exactly_what_the_endpoint_takes(
    name, fields, params, sample, expected, rules
):
    assert request_fields(RoleConfig(**fields), params, sample=sample) == expected


@pytest.mark.parametrize(ARGS, CASES, ids=IDS)
def test_the_stand_in_accepts_every_contract_output(name, fields, params, sample, expected, rules):
    config = RoleConfig(**fields)
    body = {"model": config.model, "messages": [{"role": "user", "content": "hi"}]}
    body.update(request_fields(config, params, sample=sample))
    deployments = [config.model] if config.reasoning else []  # what Azure knows it serves
    assert FakeOpenAI(rules=rules, reasoning_models=deployments).refusal(body) is None


@pytest.mark.parametrize(
    ("base_url", "provider", "expected"),
    [
        ("local://qwen2.5-coder-0.5b", "auto", "llamacpp"),
        ("https://api.openai.com/v1", "auto", "openai"),
        ("https://my-res.openai.azure.com/openai/v1", "auto", "azure"),
        ("https://my-res.cognitiveservices.azure.com/openai/v1", "auto", "azure"),
        ("http://127.0.0.1:8000/v1", "auto", "generic"),
        ("https://api.openai.com.evil.example/v1", "auto", "generic"),
        ("http://127.0.0.1:8000/v1", "vllm", "vllm"),
        ("https://api.openai.com/v1", "ollama", "ollama"),  # stated wins
    ],
)
def test_provider_of(base_url, provider, expected):
    assert provider_of(RoleConfig(base_url=base_url, provider=provider)) == expected


def test_an_unknown_provider_is_one_sentence():
    with pytest.raises(AconError, match=r"provider='openia' is not known: use one of auto"):
        provider_of(RoleConfig(provider="openia"))


NAMES = [
    "o1",
    "o1-mini",
    "o1-pro",
    "o3",
    "o3-mini",
    "o3-2025-04-16",
    "o4-mini",
    "o4-mini-2025-04-16",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-5.1",
    "gpt-5.2-pro",
    "gpt-5-chat-latest",
    "gpt-4.1",
    "gpt-4o",
    "gpt-4.1-mini",
    "openai/o3",
    "azure/gpt-5",
    "O3",
    "qwen2.5-coder-0.5b",
    "o3lite",
    "gpt-50",
]


@pytest.mark.parametrize("model", NAMES)
def test_reasoning_models_are_dspys(model):
    assert is_reasoning_model(model) == _is_openai_reasoning_model(model)


def test_reasoning_can_be_stated_for_a_deployment():
    assert is_reasoning(RoleConfig(model="prod-planner", reasoning=True))
    assert not is_reasoning(RoleConfig(model="o3", reasoning=False))
    assert is_reasoning(RoleConfig(model="o3"))


def test_a_dropped_field_is_logged_once_per_role_and_field(monkeypatch, caplog):
    monkeypatch.setattr(endpoint, "_logged", set())
    config = RoleConfig(base_url=OPENAI, model="o3", temperature=0.7)
    with caplog.at_level(logging.INFO, logger="acon.llm.endpoint"):
        for _ in range(3):
            request_fields(config, {}, role="optimizer")
        request_fields(config, {}, role="judge")
    assert [r.getMessage() for r in caplog.records if r.name == "acon.llm.endpoint"] == [
        "optimizer: o3 takes no temperature: not sent",
        "judge: o3 takes no temperature: not sent",
    ]


def test_role_overrides_inherit_on_null_and_replace_lists():
    cfg = compose(
        [
            "llm=openai",
            "llm.common.omit=[seed]",
            "llm.agent.omit=[]",
            "llm.judge.omit=[stop,seed]",
            "llm.optimizer.reasoning_effort=low",
        ]
    )
    assert resolve_role(cfg.llm, "compressor").omit == ["seed"]  # null: inherited
    assert resolve_role(cfg.llm, "agent").omit == []  # an explicit list replaces
    assert resolve_role(cfg.llm, "judge").omit == ["stop", "seed"]
    optimizer = resolve_role(cfg.llm, "optimizer")
    assert (optimizer.provider, optimizer.reasoning_effort) == ("openai", "low")


def test_a_role_with_its_own_endpoint_does_not_inherit_the_common_provider():
    cfg = compose(
        ["llm=local", "llm.optimizer.base_url=https://api.openai.com/v1", "llm.optimizer.model=o3"]
    )
    optimizer = resolve_role(cfg.llm, "optimizer")
    assert provider_of(optimizer) == "openai"
    assert provider_of(resolve_role(cfg.llm, "agent")) == "llamacpp"
    assert request_fields(optimizer, {}) == {"seed": 42, "max_completion_tokens": 512}


def test_a_wrong_provider_in_the_config_names_the_role():
    cfg = compose(["llm=local", "llm.judge.provider=openia"])
    with pytest.raises(AconError, match=r"llm\.judge\.provider='openia' is not known"):
        resolve_role(cfg.llm, "judge")


BOUNDED = {
    "type": "json_schema",
    "json_schema": {
        "name": "summary",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"summary": {"type": "string", "maxLength": 600, "minLength": 1}},
            "required": ["summary"],
            "additionalProperties": False,
        },
    },
}


@pytest.mark.parametrize(
    ("base_url", "provider", "kept"),
    [
        ("local://qwen2.5-coder-0.5b", "auto", True),  # llama.cpp's grammar enforces them
        (LOCAL_VLLM, "vllm", True),
        (OPENAI, "auto", False),  # strict mode refuses them with HTTP 400
        (AZURE, "auto", False),
        (OLLAMA, "ollama", False),
        (PROXY, "auto", False),
    ],
)
def test_string_length_bounds_go_only_where_a_grammar_enforces_them(base_url, provider, kept):
    config = RoleConfig(base_url=base_url, model="gpt-4.1", provider=provider)
    sent = request_fields(config, {"response_format": BOUNDED})["response_format"]
    summary = sent["json_schema"]["schema"]["properties"]["summary"]
    assert ("maxLength" in summary and "minLength" in summary) is kept
    assert summary["type"] == "string" and sent["json_schema"]["strict"] is True
    assert "maxLength" in BOUNDED["json_schema"]["schema"]["properties"]["summary"]  # a copy


def test_a_bounded_schema_passes_the_openai_stand_in_after_the_contract():
    config = RoleConfig(base_url=OPENAI, model="gpt-4.1")
    fields = request_fields(config, {"response_format": BOUNDED, "max_tokens": 64})
    with FakeOpenAI(rules="openai") as fake:
        response = httpx.post(
            f"{fake.base_url}/chat/completions", json={"model": "gpt-4.1", "messages": [], **fields}
        )
        raw = httpx.post(
            f"{fake.base_url}/chat/completions",
            json={"model": "gpt-4.1", "messages": [], "response_format": BOUNDED},
        )
    assert response.status_code == 200, response.text
    assert raw.status_code == 400  # what the contract saves the caller from
