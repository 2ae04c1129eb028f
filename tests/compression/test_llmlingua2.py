"""The `llmlingua` strategies with `scorer: llmlingua2`: LLMLingua-2 through the real
`llmlingua` package's API, scripted without weights, and the one-sentence stops when it
cannot run here.

The API pinned is llmlingua 0.2.2's (PyPI wheel llmlingua-0.2.2-py3-none-any.whl,
`llmlingua/prompt_compressor.py`; LLMLingua's README example for LLMLingua-2, copied in many
public repositories, is `PromptCompressor(model_name="microsoft/llmlingua-2-xlm-roberta-
large-meetingbank", use_llmlingua2=True)` then `compress_prompt(prompt, rate=0.33,
force_tokens=['\\n', '?'])["compressed_prompt"]`):
- `PromptCompressor(model_name="NousResearch/Llama-2-7b-hf", device_map="cuda",
  model_config={}, open_api_config={}, use_llmlingua2=False, llmlingua2_config={})`;
- `compress_prompt(context: List[str], instruction="", question="", rate=0.5, ...,
  force_tokens: List[str] = [], force_reserve_digit: bool = False, drop_consecutive=False,
  chunk_end_tokens=[".", "\\n"], ...)`, which with `use_llmlingua2` hands `rate` to
  `compress_prompt_llmlingua2`, whose token filter drops `reduce_rate = 1 - rate` of the
  tokens: `rate` is the share kept. It returns a dict with `compressed_prompt`,
  `origin_tokens`, `compressed_tokens`, `ratio`, `rate`, `saving`.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import types

import pytest

from acon.composition import compose
from acon.compression import lingua_scorer
from acon.compression.base import HistoryState, Turn
from acon.compression.llmlingua import (
    LinguaHistory,
    LinguaHistoryConfig,
    LinguaObservation,
    LinguaObservationConfig,
)
from acon.errors import AconError

# llmlingua 0.2.2's parameter names (the wheel's prompt_compressor.py), for the fake to
# refuse any other keyword as the real one would.
INIT_PARAMS = (
    "model_name",
    "device_map",
    "model_config",
    "open_api_config",
    "use_llmlingua2",
    "llmlingua2_config",
)
COMPRESS_PARAMS = (
    "context",
    "instruction",
    "question",
    "rate",
    "target_token",
    "iterative_size",
    "force_context_ids",
    "force_context_number",
    "use_sentence_level_filter",
    "use_context_level_filter",
    "use_token_level_filter",
    "keep_split",
    "keep_first_sentence",
    "keep_last_sentence",
    "keep_sentence_number",
    "high_priority_bonus",
    "context_budget",
    "token_budget_ratio",
    "condition_in_question",
    "reorder_context",
    "dynamic_context_compression_ratio",
    "condition_compare",
    "add_instruction",
    "rank_method",
    "concate_question",
    "context_segs",
    "context_segs_rate",
    "context_segs_compress",
    "target_context",
    "context_level_rate",
    "context_level_target_token",
    "return_word_label",
    "word_sep",
    "label_sep",
    "token_to_word",
    "force_tokens",
    "force_reserve_digit",
    "drop_consecutive",
    "chunk_end_tokens",
    "strict_preserve_uncompressed",
)


class FakePromptCompressor:
    """llmlingua.PromptCompressor without weights: records its calls; keeps the first
    `rate` share of the words (and the words with digits when force_reserve_digit)."""

    instances: list[FakePromptCompressor] = []
    fail_with: Exception | None = None

    def __init__(self, **kwargs):
        assert set(kwargs) <= set(INIT_PARAMS), kwargs
        if FakePromptCompressor.fail_with is not None:
            raise FakePromptCompressor.fail_with
        self.init = kwargs
        self.calls: list[tuple[tuple, dict]] = []
        FakePromptCompressor.instances.append(self)

    def compress_prompt(self, *args, **kwargs):
        bound = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in COMPRESS_PARAMS]
        ).bind_partial(*args, **kwargs)  # a keyword llmlingua does not have raises TypeError
        self.calls.append((args, kwargs))
        context = bound.arguments["context"]
        text = " ".join(context) if isinstance(context, list) else context
        words = text.split()
        keep = max(1, round(bound.arguments.get("rate", 0.5) * len(words)))
        kept = [
            w
            for i, w in enumerate(words)
            if i < keep or (bound.arguments.get("force_reserve_digit") and any(map(str.isdigit, w)))
        ]
        counts = {"origin_tokens": len(words), "compressed_tokens": len(kept)}
        return {
            "compressed_prompt": " ".join(kept),
            **counts,
            "ratio": "",
            "rate": "",
            "saving": "",
        }


@pytest.fixture
def llmlingua(monkeypatch):
    """The fake as the installed `llmlingua` package."""
    module = types.ModuleType("llmlingua")
    module.PromptCompressor = FakePromptCompressor  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llmlingua", module)
    monkeypatch.setattr(FakePromptCompressor, "instances", [])
    monkeypatch.setattr(FakePromptCompressor, "fail_with", None)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    return FakePromptCompressor


def test_the_offline_default_is_the_local_perplexity_scorer():
    for kind in ("history", "observation"):
        cfg = compose([f"compression/{kind}=llmlingua"])
        assert cfg.compression[kind].scorer == "local_perplexity"


def test_observations_go_through_llmlingua2_with_its_documented_arguments(llmlingua):
    config = LinguaObservationConfig(scorer="llmlingua2")  # keep_ratio 0.3, keep_digits
    strategy = LinguaObservation(config)
    [compressor] = llmlingua.instances
    assert compressor.init == {
        "model_name": "microsoft/llmlingua-2-xlm-roberta-large-meetingbank",
        "device_map": "cpu",
        "use_llmlingua2": True,
    }
    text = "one two three four five six seven eight nine ten 2024"
    out = strategy.compress(text, "task", "action")
    [(args, kwargs)] = compressor.calls
    assert args == ([text],)
    assert kwargs == {"rate": 0.3, "force_tokens": ["\n"], "force_reserve_digit": True}
    assert out.text == "one two three 2024"  # the package's compressed_prompt, as it is


def test_history_summaries_come_from_llmlingua2_and_record_its_token_counts(llmlingua):
    small = "microsoft/llmlingua-2-bert-base-multilingual-cased-meetingbank"
    config = LinguaHistoryConfig(
        scorer="llmlingua2", keep_ratio=0.5, keep_digits=False, model_name=small
    )
    strategy = LinguaHistory(config)
    turns = [Turn(i, f"act {i}", f"obs number {i} with words", 10) for i in range(3)]
    state = HistoryState(task="t", summary=None, turns=turns, all_turns=turns, keep_last=1)
    result = strategy.compact(state)
    [compressor] = llmlingua.instances
    assert compressor.init["model_name"].endswith("bert-base-multilingual-cased-meetingbank")
    [(_, kwargs)] = compressor.calls
    assert kwargs["rate"] == 0.5 and kwargs["force_reserve_digit"] is False
    assert result.turns == [turns[2]] and result.summary
    assert result.detail["tokens"] > result.detail["kept_tokens"] > 0
    assert result.detail["compressed_turns"] == [0, 1]


def test_without_the_package_the_config_names_the_extra(monkeypatch):
    monkeypatch.delitem(sys.modules, "llmlingua", raising=False)
    monkeypatch.setattr(lingua_scorer, "llmlingua_installed", lambda: False)
    with pytest.raises(AconError) as err:
        compose(["compression/history=llmlingua", "compression.history.scorer=llmlingua2"])
    message = str(err.value)
    assert message.startswith("compression.history.scorer='llmlingua2' is not valid")
    assert "pip install -e '.[llmlingua]'" in message and "torch==2.13.0" in message
    assert "compression.history.scorer=local_perplexity" in message and "\n" not in message


def test_acon_mains_llmlingua2_baseline_stops_as_a_user_error(monkeypatch):
    """acon-main types its baselines (main.baseline_settings) before anything runs; an
    llmlingua2 baseline that cannot run must be an AconError there (one sentence, exit 2),
    not a traceback."""
    from acon.composition import register_schemas
    from acon.optimize.evaluation import baseline_configs

    register_schemas()
    monkeypatch.delitem(sys.modules, "llmlingua", raising=False)
    monkeypatch.setattr(lingua_scorer, "llmlingua_installed", lambda: False)
    with pytest.raises(AconError, match=r"pip install -e '\.\[llmlingua\]'"):
        baseline_configs("observation", ["llmlingua"], {"llmlingua": {"scorer": "llmlingua2"}})


def test_a_model_path_that_does_not_exist_is_refused_with_the_fix(llmlingua, tmp_path):
    gone = tmp_path / "llmlingua-2-model"
    with pytest.raises(AconError) as err:
        compose(
            [
                "compression/observation=llmlingua",
                "compression.observation.scorer=llmlingua2",
                f"compression.observation.model_name={gone}",
            ]
        )
    assert f"compression.observation.model_name='{gone}' is no folder here" in str(err.value)
    assert "local copy of the model" in str(err.value) and not llmlingua.instances
    gone.mkdir()  # a local model folder is taken as it is
    compose(
        [
            "compression/observation=llmlingua",
            "compression.observation.scorer=llmlingua2",
            f"compression.observation.model_name={gone}",
        ]
    )


def test_a_hub_id_not_cached_while_the_hub_is_off_is_refused(llmlingua, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(lingua_scorer, "_hub_cached", lambda repo: False)
    with pytest.raises(
        AconError,
        match=r"not in the Hugging Face cache.*set "
        r"compression.history.model_name to a local copy",
    ):
        compose(["compression/history=llmlingua", "compression.history.scorer=llmlingua2"])
    monkeypatch.setattr(lingua_scorer, "_hub_cached", lambda repo: True)
    compose(["compression/history=llmlingua", "compression.history.scorer=llmlingua2"])


def test_a_model_that_cannot_load_stops_the_strategy_with_the_fix(llmlingua):
    llmlingua.fail_with = OSError("We couldn't connect to 'https://huggingface.co'\nto load")
    with pytest.raises(AconError) as err:
        LinguaHistory(LinguaHistoryConfig(scorer="llmlingua2"))
    message = str(err.value)
    assert "couldn't connect to 'https://huggingface.co' to load" in message
    assert "set compression.history.model_name to a local copy of the model" in message
    assert "\n" not in message


def test_the_command_stops_before_a_run_folder_exists(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "acon.cli.rollout",
        f"hydra.run.dir={tmp_path / 'run'}",
        "tracking=off",
        "compression/history=llmlingua",
        "compression.history.scorer=llmlingua2",
        f"compression.history.model_name={tmp_path / 'no-model'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: compression.history.scorer='llmlingua2' is not valid")
    # the extra is missing here, or (where it is installed) the model folder
    assert "pip install -e '.[llmlingua]'" in lines[0] or "is no folder here" in lines[0]
    assert not (tmp_path / "run").exists()
