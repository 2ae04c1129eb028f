"""Every shipped `llm=` preset runs the UT step, the CO step and GEPA end to end against a
stand-in that refuses, with the real API's 400 bodies, what that endpoint refuses (the
paper's setup, `llm=openai`, has an o3 optimizer: no temperature, max_completion_tokens).
And a refused request is never a silently skipped candidate."""

from __future__ import annotations

import pytest

from acon.composition import compose
from acon.config import typed
from acon.llm import LLMSession, ModelSettings
from acon.llm.client import LLMCallError
from acon.llm.fake_server import FakeOpenAI
from acon.paths import CONF_DIR
from acon.run_folder import RunFolder
from tests.support import optimize_composed
from tests.support.brain import KEEP, brain

# local_quickstart is `local` with the quickstart's role models: its roles pin their own
# local:// endpoints (tests/llm/test_preset_safety.py), so no stand-in can take their place
PRESETS = sorted(p.stem for p in (CONF_DIR / "llm").glob("*.yaml") if p.stem != "local_quickstart")


def preset_config(preset, fake, tmp_path, monkeypatch, *more):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-presets-0123456789")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-test-key-0123456789")
    monkeypatch.setenv("ACON_API_KEY", "acon-test-key-0123456789")
    return compose(
        [
            f"llm={preset}",
            f"llm.common.base_url={fake.base_url}",
            f"llm.cache.dir={tmp_path / 'responses'}",
            f"optimizer.rollouts_dir={tmp_path / 'rollouts'}",
            "tracking=off",
            "env.filler_lines=4",
            "compression/history=guideline",
            "agent.context.history_threshold_tokens=250",
            "agent.max_steps=6",
            "optimizer.n_tasks=4",
            "optimizer.selection_tasks=4",
            *more,
        ]
    )


def provider_of(cfg):
    """The stand-in rules a preset's endpoint keeps; `llm=api` (any compatible endpoint,
    `provider: auto`) is checked against OpenAI's, the strictest."""
    provider = typed(cfg.llm).common.provider
    return "openai" if provider == "auto" else provider


@pytest.mark.parametrize("preset", PRESETS)
def test_ut_co_and_gepa_run_on_every_preset_against_its_endpoints_rules(
    preset, tmp_path, monkeypatch
):
    rules = provider_of(compose([f"llm={preset}"]))
    with FakeOpenAI(default=brain, rules=rules) as fake:
        cfg = preset_config(preset, fake, tmp_path, monkeypatch, "optimizer.n_candidates=2")
        with LLMSession(ModelSettings.of(cfg), tmp_path / "acon") as llms:
            acon = optimize_composed(cfg, llms, RunFolder(tmp_path / "acon"))
        gepa_cfg = preset_config(
            preset, fake, tmp_path, monkeypatch, "optimizer=gepa", "optimizer.max_metric_calls=16"
        )
        with LLMSession(ModelSettings.of(gepa_cfg), tmp_path / "gepa") as llms:
            gepa = optimize_composed(gepa_cfg, llms, RunFolder(tmp_path / "gepa"))
    assert fake.rejected == []  # every request was one this endpoint accepts
    ut, co = acon.steps
    assert ut.improved and co.improved and not ut.unusable and not co.unusable
    best = RunFolder(tmp_path / "acon").guidelines / "history" / "acon-opt"
    assert KEEP in (best / f"v{acon.best_version}.md").read_text()
    assert gepa.best_version > 1  # GEPA's proposals reached the optimizer and one won
    if preset == "openai":  # the paper's o3 optimizer: what the real API demands of it
        o3 = [r for r in fake.requests if r["model"] == "o3"]
        assert o3 and all("temperature" not in r and "max_completion_tokens" in r for r in o3)
        assert len({r["seed"] for r in o3 if "`new_guideline`" in r["messages"][0]["content"]}) > 1


def refusing_optimizer(body):
    """A stand-in for an endpoint that refuses the optimizer's requests outright."""
    if body["model"] == "o3":
        error = {
            "message": "Unsupported parameter: 'foo'.",
            "param": "foo",
            "type": "invalid_request_error",
            "code": "unsupported_parameter",
        }
        return 400, {"error": error}
    return brain(body)


@pytest.mark.parametrize("method", ["acon", "gepa"])
def test_a_refused_optimizer_request_fails_the_run_with_the_parameter_named(
    method, tmp_path, monkeypatch
):
    with FakeOpenAI(default=refusing_optimizer, rules="openai") as fake:
        cfg = preset_config(
            "openai", fake, tmp_path, monkeypatch, f"optimizer={method}", "llm.common.max_retries=0"
        )
        refused = pytest.raises(LLMCallError, match="'foo'")
        with LLMSession(ModelSettings.of(cfg), tmp_path / "run") as llms, refused as err:
            optimize_composed(cfg, llms, RunFolder(tmp_path / "run"))
    assert err.value.kind == "bad_request" and err.value.role == "optimizer"
