"""The test stand-in refuses what the real endpoints refuse, with their real 400 bodies.

Messages, codes and params as OpenAI's API answers them (seen in the wild: e.g.
crewAIInc/crewAI#2738 for `stop` on o3, OpenHands/OpenHands#4131 for temperature on o1,
davidmigloz/langchain_dart#712 for `reasoning_effort` on a non-reasoning model)."""

from __future__ import annotations

import httpx
import pytest

from acon.llm.fake_server import FakeOpenAI

MSGS = [{"role": "user", "content": "hi"}]


def schema_format(schema, strict=True):
    spec = {"name": "answer", "strict": strict, "schema": schema}
    return {"type": "json_schema", "json_schema": spec}


CITY = {"city": {"type": "string"}}
CLOSED_CITY = {
    "type": "object",
    "properties": CITY,
    "required": ["city"],
    "additionalProperties": False,
}


def unsupported(name, hint=""):
    return {
        "message": f"Unsupported parameter: '{name}' is not supported with this model.{hint}",
        "type": "invalid_request_error",
        "param": name,
        "code": "unsupported_parameter",
    }


def unrecognized(name):
    return {
        "message": f"Unrecognized request argument supplied: {name}",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def bad_schema(problem):
    return {
        "message": f"Invalid schema for response_format 'answer': {problem}",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": "invalid_json_schema",
    }


def bad_temperature(value):
    return {
        "message": f"Unsupported value: 'temperature' does not support {value} with this model. "
        "Only the default (1) value is supported.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": "unsupported_value",
    }


NOT_CLOSED = "'additionalProperties' is required to be supplied and to be false."
NOT_REQUIRED = (
    "'required' is required to be supplied and to be an array including every key in "
    "properties. Missing 'city'."
)

REFUSED = [
    ("openai", "o3", {"temperature": 0.7}, bad_temperature("0.7")),
    ("openai", "gpt-5", {"temperature": 0}, bad_temperature("0")),
    ("azure", "o4-mini", {"temperature": 0.0}, bad_temperature("0.0")),
    (
        "openai",
        "o3",
        {"max_tokens": 100},
        unsupported("max_tokens", " Use 'max_completion_tokens' instead."),
    ),
    (
        "openai",
        "gpt-5-mini",
        {"max_tokens": 100},
        unsupported("max_tokens", " Use 'max_completion_tokens' instead."),
    ),
    ("openai", "o1", {"top_p": 0.9}, unsupported("top_p")),
    ("openai", "gpt-5-mini", {"presence_penalty": 0.5}, unsupported("presence_penalty")),
    ("openai", "o4-mini", {"frequency_penalty": 0.5}, unsupported("frequency_penalty")),
    ("openai", "o3", {"logprobs": True}, unsupported("logprobs")),
    ("openai", "o3-mini", {"top_logprobs": 2}, unsupported("top_logprobs")),
    ("openai", "gpt-5", {"logit_bias": {"50256": -100}}, unsupported("logit_bias")),
    ("openai", "o3", {"stop": ["\n"]}, unsupported("stop")),
    ("openai", "o4-mini-2025-04-16", {"stop": ["x"]}, unsupported("stop")),
    ("azure", "gpt-5.2", {"stop": ["END"]}, unsupported("stop")),
    ("openai", "gpt-4.1", {"reasoning_effort": "low"}, unrecognized("reasoning_effort")),
    ("openai", "gpt-4.1", {"foo": 1}, unrecognized("foo")),
    (
        "openai",
        "gpt-4.1",
        {
            "response_format": schema_format(
                {"type": "object", "properties": CITY, "required": ["city"]}
            )
        },
        bad_schema(f"In context=(), {NOT_CLOSED}"),
    ),
    (
        "openai",
        "gpt-4.1",
        {"response_format": schema_format({**CLOSED_CITY, "required": []})},
        bad_schema(f"In context=(), {NOT_REQUIRED}"),
    ),
    (
        "azure",
        "gpt-4.1",
        {
            "response_format": schema_format(
                {
                    "type": "object",
                    "required": ["where"],
                    "additionalProperties": False,
                    "properties": {
                        "where": {"type": "object", "properties": CITY, "required": ["city"]}
                    },
                }
            )
        },
        bad_schema(f"In context=('properties', 'where'), {NOT_CLOSED}"),
    ),
    (
        "openai",
        "o3",
        {
            "response_format": schema_format(
                {
                    "type": "object",
                    "required": ["places"],
                    "additionalProperties": False,
                    "properties": {
                        "places": {"type": "array", "items": {**CLOSED_CITY, "required": []}}
                    },
                }
            )
        },
        bad_schema(f"In context=('properties', 'places', 'items'), {NOT_REQUIRED}"),
    ),
    (
        "openai",
        "gpt-4.1",  # strict mode's subset has no string lengths (Azure's docs' example)
        {
            "response_format": schema_format(
                {**CLOSED_CITY, "properties": {"city": {"type": "string", "maxLength": 40}}}
            )
        },
        bad_schema("In context=('properties', 'city'), 'maxLength' is not permitted."),
    ),
    (
        "llamacpp",
        "qwen2.5-coder-0.5b",
        {"max_completion_tokens": 64},
        {
            "message": "Unsupported parameter: 'max_completion_tokens' is ignored by llamacpp (the "
            "stand-in refuses it; send 'max_tokens' for the token limit).",
            "type": "invalid_request_error",
            "param": "max_completion_tokens",
            "code": "unsupported_parameter",
        },
    ),
    (
        "ollama",
        "qwen2.5-coder:1.5b",
        {"reasoning_effort": "low"},
        {
            "message": "Unsupported parameter: 'reasoning_effort' is ignored by ollama (the "
            "stand-in refuses it; send 'max_tokens' for the token limit).",
            "type": "invalid_request_error",
            "param": "reasoning_effort",
            "code": "unsupported_parameter",
        },
    ),
]

ACCEPTED = [
    ("openai", "o3", {"max_completion_tokens": 64, "seed": 1, "reasoning_effort": "high"}),
    ("openai", "o3", {"temperature": 1}),  # the default is allowed
    ("openai", "o1", {"stop": ["\n"], "logit_bias": {"1": 1}}),  # o1 takes both
    ("openai", "o3-mini", {"stop": ["\n"]}),
    ("openai", "gpt-5-chat-latest", {"temperature": 0.2, "max_tokens": 10}),
    ("openai", "gpt-4.1", {"temperature": 0, "max_tokens": 10, "stop": ["x"], "top_p": 0.5}),
    ("openai", "gpt-4.1", {"response_format": schema_format({"type": "object"}, strict=False)}),
    ("azure", "gpt-4.1", {"response_format": schema_format(CLOSED_CITY)}),
    ("vllm", "Qwen/Qwen2.5-7B-Instruct", {"max_tokens": 5, "max_completion_tokens": 5}),
    ("llamacpp", "m", {"max_tokens": 5, "temperature": 0, "response_format": schema_format({})}),
    (
        "llamacpp",
        "m",
        {
            "response_format": schema_format(
                {**CLOSED_CITY, "properties": {"city": {"type": "string", "maxLength": 40}}}
            )
        },
    ),
    ("ollama", "m", {"max_tokens": 5, "seed": 3}),
    (None, "o3", {"temperature": 0.7, "max_tokens": 5, "foo": 1}),  # no rules: accepts all
]


@pytest.mark.parametrize(("rules", "model", "fields", "error"), REFUSED)
def test_forbidden_requests_get_the_real_400(rules, model, fields, error):
    with FakeOpenAI(["never"], rules=rules) as fake:
        response = httpx.post(
            f"{fake.base_url}/chat/completions", json={"model": model, "messages": MSGS, **fields}
        )
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert fake.rejected == [{"request": fake.requests[0], "error": error}]
    assert list(fake.script) == ["never"]  # a refused request uses no script item


@pytest.mark.parametrize(("rules", "model", "fields"), ACCEPTED)
def test_allowed_requests_are_answered(rules, model, fields):
    with FakeOpenAI(rules=rules) as fake:
        response = httpx.post(
            f"{fake.base_url}/chat/completions", json={"model": model, "messages": MSGS, **fields}
        )
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "ok"
    assert fake.rejected == []


def test_a_deployment_can_be_declared_a_reasoning_model():
    fake = FakeOpenAI(rules="azure", reasoning_models=["prod-planner"])
    body = {"model": "prod-planner", "messages": MSGS, "temperature": 0.5}
    assert fake.refusal(body) == bad_temperature("0.5")
    assert FakeOpenAI(rules="azure").refusal(body) is None


def test_a_scripted_error_body_is_sent_as_is():
    body = {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}
    with FakeOpenAI([(503, body)]) as fake:
        response = httpx.post(f"{fake.base_url}/chat/completions", json={"messages": MSGS})
    assert (response.status_code, response.json()) == (503, body)
