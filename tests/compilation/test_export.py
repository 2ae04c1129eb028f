"""Exports: chat JSONL that acon-distill's trainer reads, and the evaluation set; split by
session, never by pair."""

from __future__ import annotations

import json

from acon.compilation.config import PairExportConfig
from acon.compilation.export import export
from acon.compilation.records import QAPair, RecordTurn, Trajectory
from acon.compilation.store import PairStore, store_url


def stored(tmp_path, sessions=4, per_session=2):
    store = PairStore(store_url(None, tmp_path))
    for s in range(sessions):
        t = Trajectory(
            "audit:log", f"s{s}", (RecordTurn(1, f"x{s}"), RecordTurn(2, "y"), RecordTurn(3, "z"))
        )
        found = [
            QAPair(f"q{s}-{i}?", f"a{s}-{i}", [1, 3], verdicts={"overlap": True})
            for i in range(per_session)
        ]
        store.save(t, "s", found, dropped={}, redacted={}, cost_usd=0, seconds=0)
    return store.pairs()


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_chat_examples_hold_the_whole_context_then_the_question(tmp_path):
    card = export(stored(tmp_path), PairExportConfig(val_fraction=0.25), tmp_path / "out")
    train = read(tmp_path / "out" / "longcontext_train.jsonl")
    val = read(tmp_path / "out" / "longcontext_val.jsonl")
    assert len(train) + len(val) == 8 and len(val) == 2  # one session of four
    for example in (e["messages"] for e in train + val):
        assert [m["role"] for m in example] == ["system", "user", "assistant"]
        context, question = example[1]["content"].split("\n\nQuestion: ")
        assert context.startswith("[turn 1]") and "[turn 3]\nz" in context
        assert example[2]["content"] == "a" + question[1:-1]  # q0-1? -> a0-1
    assert card["files"]["longcontext_eval"]["examples"] == 8


def test_a_session_is_on_one_side_only(tmp_path):
    export(
        stored(tmp_path, sessions=6, per_session=3),
        PairExportConfig(val_fraction=0.3),
        tmp_path / "out",
    )

    def sessions(name):
        return {m["messages"][1]["content"].split("\n")[1] for m in read(tmp_path / "out" / name)}

    assert not sessions("longcontext_train.jsonl") & sessions("longcontext_val.jsonl")


def test_the_evaluation_set_carries_reference_and_evidence(tmp_path):
    export(stored(tmp_path, sessions=1, per_session=1), PairExportConfig(), tmp_path / "out")
    (item,) = read(tmp_path / "out" / "longcontext_eval.jsonl")
    assert item["question"] == "q0-0?" and item["answer"] == "a0-0"
    assert item["supporting_turns"] == [1, 3] and "[turn 2]\ny" in item["context"]
    assert item["session"] == "s0" and item["source"] == "audit:log"


def test_the_distillation_trainer_reads_the_export(tmp_path):
    """acon-distill's trainer opens <data>/<data name>_{train,val}.jsonl and the card."""
    from acon.distill.config import LoraTrainConfig

    export(stored(tmp_path), PairExportConfig(val_fraction=0.25), tmp_path / "out")
    name = LoraTrainConfig(data="longcontext").data
    for part in ("train", "val"):
        assert (tmp_path / "out" / f"{name}_{part}.jsonl").is_file()
    card = json.loads((tmp_path / "out" / "card.json").read_text())
    assert [g for s in card["sources"] for g in s["guidelines"]] == []
    from acon.distill.train import prompt_completion

    example = read(tmp_path / "out" / "longcontext_train.jsonl")[0]
    split = prompt_completion(example)  # what the trainer makes of each line
    assert [m["role"] for m in split["prompt"]] == ["system", "user"]
    assert split["completion"] == [example["messages"][-1]]
