"""What a machine gives the paper presets, for tests that compose them: the llmlingua extra
with LLMLingua-2's weights, NaturalQuestions' train and test files and the wiki-18 corpus
(QA's paper data), a served model and an earlier run's guidelines (a preset's `requires`).
The presets refuse to start without them; tests/environments, tests/compression and
tests/config/test_validation.py pin those refusals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir

from acon.composition import register_schemas
from acon.guidelines import GuidelineStore
from acon.paths import CONF_DIR


@dataclass
class PaperMachine:
    data: list[str]  # QA's paper data (only env=qa reads it)
    supplied: dict[str, str]  # what a user gives where a preset `requires` it


@pytest.fixture
def paper_machine(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: Any) -> PaperMachine:
    """The machine above: LLMLingua-2 loadable, QA's files, a served model, Table 1's
    optimized guidelines (v2 of each kind)."""
    monkeypatch.setattr("acon.compression.llmlingua.llmlingua2_problem", lambda *a: None)
    root = tmp_path_factory.mktemp("paper_data")
    for name in ("nq-train.jsonl", "nq-test.jsonl"):
        (root / name).write_text('{"question": "who wrote hamlet", "answer": ["Shakespeare"]}\n')
    (root / "wiki-18.jsonl").write_text('{"id": "1", "contents": "Hamlet\\nBy Shakespeare."}\n')
    store = GuidelineStore(root / "guidelines")
    for kind in ("history", "observation"):
        for text in ("Keep the facts.", "Keep the facts and the answers found so far."):
            store.add(kind, "acon-opt", text)
        store.set_alias(kind, "acon-opt", "best", 2)
    supplied = {
        "llm.compressor.base_url": "http://127.0.0.1:8000/v1",
        "llm.compressor.model": "qwen3-14b-distilled",
    }
    for kind in ("history", "observation"):
        supplied[f"compression.{kind}.guideline.dir"] = str(store.root)
        supplied[f"compression.{kind}.guideline.version"] = "2"
    data = [
        f"env.train_file={root / 'nq-train.jsonl'}",
        f"env.test_file={root / 'nq-test.jsonl'}",
        f"env.search.corpus=[{root / 'wiki-18.jsonl'}]",
    ]
    return PaperMachine(data, supplied)


def unchecked(overrides: list[str]) -> Any:
    """The composed config before its checks (which refuse it until `requires` is met)."""
    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=overrides)


def with_supplied(overrides: list[str], machine: PaperMachine) -> list[str]:
    """`overrides` with what the composed preset requires from the user, and QA's data."""
    composed = unchecked(overrides)
    asked = set(composed.get("requires") or {})
    assert asked <= set(machine.supplied), f"the preset asks for {asked - set(machine.supplied)}"
    qa = machine.data if composed.env.get("questions") == "paper" else []
    return [*overrides, *qa, *(f"{k}={machine.supplied[k]}" for k in sorted(asked))]
