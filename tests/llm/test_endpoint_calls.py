"""Every path through the endpoint contract against a stand-in that enforces the real
endpoints' rules: the client, the DSPy bridge, GEPA's `chat(temperature=...)`, the
errors a refusal turns into, and every shipped preset in conf/llm/."""

from __future__ import annotations

from pathlib import Path

import dspy
import pytest

from acon.composition import compose
from acon.llm import endpoint
from acon.llm.cache import ResponseCache
from acon.llm.client import ERROR_KINDS, LLMCallError, LLMClient
from acon.llm.config import ROLES, resolve_role
from acon.llm.dspy_bridge import dspy_lm
from acon.llm.fake_server import RULES, FakeOpenAI
from acon.llm.pricing import PriceTable
from acon.llm.usage import UsageLedger
from acon.paths import CONF_DIR

MSGS = [{"role": "user", "content": "hi"}]
STRICT = {
    "type": "json_schema",
    "json_schema": {
        "name": "place",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "where": {
                    "type": "object",
                    "properties": {"country": {"type": "string"}},
                    "required": ["country"],
                    "additionalProperties": False,
                },
            },
            "required": ["city", "where"],
            "additionalProperties": False,
        },
    },
}


class Capital(dspy.Signature):
    """Name the capital."""

    country: str = dspy.InputField()
    capital: str = dspy.OutputField()


REPLY = "[[ ## capital ## ]]\nTokyo\n\n[[ ## completed ## ]]"


@pytest.fixture(autouse=True)
def fresh_drop_log(monkeypatch):
    monkeypatch.setattr(endpoint, "_logged", set())


def test_o3_with_a_temperature_reaches_openai_without_it(make_client, caplog):
    with FakeOpenAI(rules="openai") as fake:
        client = make_client(
            fake, role="optimizer", model="o3", provider="openai", temperature=0.7, max_tokens=2000
        )
        with caplog.at_level("INFO", logger="acon.llm.endpoint"):
            client.chat(MSGS)
            client.chat(MSGS, temperature=0.7)  # GEPA's reflection call
    assert fake.rejected == []
    for request in fake.requests:
        assert "temperature" not in request and "max_tokens" not in request
        assert request["max_completion_tokens"] == 2000
    drops = [r.getMessage() for r in caplog.records if r.name == "acon.llm.endpoint"]
    assert drops == ["optimizer: o3 takes no temperature: not sent"]


def test_the_cache_key_is_the_final_request(tmp_path, make_client):
    with FakeOpenAI(rules="openai") as fake:
        client = make_client(
            fake, model="o3", provider="openai", cache=ResponseCache(tmp_path / "c")
        )
        first = client.chat(MSGS, temperature=0.7)
        second = client.chat(MSGS, temperature=0.2)  # the same body once the contract is done
    assert len(fake.requests) == 1
    assert (first.cache_hit, second.cache_hit) == (False, True)


def test_dspy_on_o3_builds_and_samples_are_independent_draws(tmp_path, make_client):
    ledger = UsageLedger()
    with FakeOpenAI(default=REPLY, rules="openai") as fake:
        client = make_client(
            fake,
            role="optimizer",
            model="o3",
            provider="openai",
            temperature=0.7,
            max_tokens=2000,  # below DSPy's 16000 for reasoning models: still the role's
            ledger=ledger,
            cache=ResponseCache(tmp_path / "c"),
        )
        for _ in range(2):  # the second round comes from the cache
            for i in range(3):
                with dspy.context(lm=dspy_lm(client, sample=i, temperature=0.7)):
                    assert dspy.Predict(Capital)(country="Japan").capital == "Tokyo"
    assert fake.rejected == []
    assert [r["seed"] for r in fake.requests] == [42, 43, 44]
    assert all("temperature" not in r for r in fake.requests)
    assert {r["max_completion_tokens"] for r in fake.requests} == {2000}
    assert ledger.by_role()["optimizer"].cache_hits == 3


def test_dspy_keeps_the_temperature_for_other_models(make_client):
    with FakeOpenAI(default=REPLY, rules="openai") as fake:
        client = make_client(fake, model="gpt-4.1", provider="openai", max_tokens=300)
        with dspy.context(lm=dspy_lm(client, sample=1, temperature=0.7)):
            dspy.Predict(Capital)(country="Japan")
    (request,) = fake.requests
    assert (request["temperature"], request["seed"]) == (0.7, 43)
    assert request["max_completion_tokens"] == 300


def test_a_refused_parameter_is_named_with_its_fix(make_client):
    with FakeOpenAI(["never"], rules="openai") as fake:
        # A config that claims o3 is no reasoning model: the contract sends the temperature.
        client = make_client(
            fake, role="optimizer", model="o3", provider="openai", reasoning=False, temperature=0.7
        )
        with pytest.raises(LLMCallError) as err:
            client.chat(MSGS)
        assert len(fake.requests) == 1  # a 400 is not retried
    e = err.value
    assert (e.kind, e.param, e.status, e.role) == ("bad_request", "temperature", 400, "optimizer")
    assert str(e) == (
        f"The optimizer endpoint {fake.base_url} rejected parameter 'temperature' (HTTP 400: "
        "Unsupported value: 'temperature' does not support 0.7 with this model. Only the "
        "default (1) value is supported.): remove it with llm.optimizer.omit=[temperature], "
        "or set llm.optimizer.reasoning=true if o3 is an OpenAI reasoning model."
    )


def test_a_field_the_api_does_not_know_is_named_from_the_message(make_client):
    with FakeOpenAI(rules="openai") as fake:
        client = make_client(
            fake, model="gpt-4.1", provider="openai", reasoning=True, reasoning_effort="low"
        )
        with pytest.raises(LLMCallError) as err:
            client.chat(MSGS)
    assert (err.value.kind, err.value.param) == ("bad_request", "reasoning_effort")
    assert "llm.agent.omit=[reasoning_effort]" in str(err.value)
    assert "llm.agent.reasoning=false if gpt-4.1 is not an OpenAI reasoning model" in str(err.value)


def test_a_schema_openai_refuses_names_response_format(make_client):
    loose = {"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": {}}}
    loose["json_schema"]["schema"] = {"type": "object", "properties": {"a": {"type": "string"}}}
    with FakeOpenAI(rules="openai") as fake, pytest.raises(LLMCallError) as err:
        make_client(fake, provider="openai").chat(MSGS, response_format=loose)
    assert (err.value.kind, err.value.param) == ("bad_request", "response_format")
    assert "rejected the value of parameter 'response_format' (HTTP 400): Invalid schema" in str(
        err.value
    )


OVERFLOWS = {
    "openai": {
        "error": {
            "message": "This model's maximum context length is 128000 tokens. However, your "
            "messages resulted in 173172 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    },
    "llamacpp": {
        "error": {
            "code": 400,
            "message": "the request exceeds the available context size, try increasing it",
            "type": "exceed_context_size_error",
            "n_prompt_tokens": 14429,
            "n_ctx": 8192,
        }
    },
    "vllm": {
        "object": "error",
        "message": "This model's maximum context length is 16384 tokens. However, you requested "
        "122946 tokens (112946 in the messages, 10000 in the completion). Please reduce the "
        "length of the messages or completion.",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    },
    "vllm-v0.11": {
        "error": {
            "message": "'max_tokens' or 'max_completion_tokens' is too large: 8192. This model's "
            "maximum context length is 8192 tokens and your request has 1210 input tokens "
            "(8192 > 8192 - 1210).",
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        }
    },
}


@pytest.mark.parametrize("server", list(OVERFLOWS))
def test_context_overflow_is_its_own_kind(server, make_client):
    with FakeOpenAI([(400, OVERFLOWS[server])]) as fake, pytest.raises(LLMCallError) as err:
        make_client(fake, role="compressor").chat(MSGS)
    assert (err.value.kind, err.value.status) == ("context_overflow", 400)
    assert "refused a request longer than gpt-4.1's context" in str(err.value)
    assert "lower llm.compressor.max_tokens" in str(err.value)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, "auth"), (403, "auth"), (404, "not_found"), (429, "rate_limit"), (500, "server")],
)
def test_every_failure_has_a_kind(status, kind, make_client):
    with FakeOpenAI([status] * 3) as fake, pytest.raises(LLMCallError) as err:
        make_client(fake, max_retries=0).chat(MSGS)
    assert (err.value.kind, err.value.status, err.value.role) == (kind, status, "agent")
    assert kind in ERROR_KINDS


def test_omit_drops_a_field_for_one_role_only(monkeypatch, tmp_path):
    monkeypatch.setenv("ACON_TEST_KEY", "test-key")
    with FakeOpenAI(rules="openai") as fake:
        cfg = compose(
            [
                "llm=openai",
                f"llm.common.base_url={fake.base_url}",
                "llm.common.api_key_env=ACON_TEST_KEY",
                "llm.judge.omit=[seed,temperature]",
            ]
        )
        ledger, prices = UsageLedger(), PriceTable({})
        for role in ("agent", "judge"):
            LLMClient(role, resolve_role(cfg.llm, role), ledger=ledger, prices=prices).chat(MSGS)
    agent, judge = fake.requests
    assert (agent["seed"], agent["temperature"]) == (42, 0.0)
    assert "seed" not in judge and "temperature" not in judge
    assert judge["max_completion_tokens"] == 4096


# Each shipped preset with the stand-in rules of the endpoint it describes.
PRESETS = {
    "local": "llamacpp",
    "local_1.5b": "llamacpp",
    "local_quickstart": "llamacpp",
    "openai": "openai",
    "azure": "azure",
    "vllm": "vllm",
    "ollama": "ollama",
}


# Presets for an endpoint the user names (`provider: auto`): their requests must pass every
# stand-in's rules, since the address, not the preset, says which endpoint it is.
ANY_ENDPOINT = ("api",)


def test_every_shipped_preset_is_covered():
    shipped = {p.stem for p in Path(CONF_DIR, "llm").glob("*.yaml")}
    assert shipped == set(PRESETS) | set(ANY_ENDPOINT)


@pytest.mark.parametrize("rules", RULES)
@pytest.mark.parametrize("preset", ANY_ENDPOINT)
def test_a_preset_for_any_endpoint_works_against_every_endpoints_rules(preset, rules, monkeypatch):
    monkeypatch.setenv("ACON_API_KEY", "test-key")
    with FakeOpenAI(rules=rules) as fake:
        cfg = compose([f"llm={preset}", f"llm.common.base_url={fake.base_url}"])
        assert cfg.llm.common.provider == "auto"
        ledger, prices = UsageLedger(), PriceTable({})
        for role in ROLES:
            client = LLMClient(role, resolve_role(cfg.llm, role), ledger=ledger, prices=prices)
            client.chat(MSGS)
            client.chat(MSGS, response_format=STRICT)
            if role == "optimizer":
                client.chat(MSGS, temperature=0.7)
    assert fake.rejected == []
    assert len(fake.requests) == 2 * len(ROLES) + 1


@pytest.mark.parametrize(("preset", "rules"), PRESETS.items())
def test_each_preset_works_against_its_endpoints_rules(preset, rules, monkeypatch):
    monkeypatch.setenv("ACON_TEST_KEY", "test-key")
    with FakeOpenAI(rules=rules) as fake:
        pinned = compose([f"llm={preset}"]).llm  # roles with an endpoint of their own
        own = [f"llm.{r}.base_url={fake.base_url}" for r in ROLES if pinned[r].base_url]
        cfg = compose(
            [
                f"llm={preset}",
                f"llm.common.base_url={fake.base_url}",
                "llm.common.api_key_env=ACON_TEST_KEY",
                *own,
            ]
        )
        assert cfg.llm.common.provider == rules  # stated, not guessed from the URL
        ledger, prices = UsageLedger(), PriceTable({})
        for role in ROLES:
            client = LLMClient(role, resolve_role(cfg.llm, role), ledger=ledger, prices=prices)
            client.chat(MSGS)
            client.chat(MSGS, response_format=STRICT)
            if role == "optimizer":  # the optimizer's sampling temperature, as GEPA sends it
                client.chat(MSGS, temperature=0.7)
    assert fake.rejected == []
    assert len(fake.requests) == 2 * len(ROLES) + 1
