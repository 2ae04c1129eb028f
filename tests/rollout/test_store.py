"""The rollout store reuses a configuration's rollouts only when they are identical: its
key covers everything that can change a task's outcome, and nothing else."""

from __future__ import annotations

import shutil

import pytest

import acon
from acon.composition import compose
from acon.guidelines import SHIPPED, GuidelineStore
from acon.rollout import RolloutSpec
from acon.rollout import store as rollout_store
from acon.rollout.store import RolloutStore
from acon.rollout.store import reuse_key as spec_key


def reuse_key(cfg):
    return spec_key(RolloutSpec.of(cfg))


BASE = ["compression/history=guideline"]

# (overrides on top of BASE, whether the key changes)
FLIPS = [
    # what the tasks are and how they are scored
    (["env.seed=3"], True),
    (["env.filler_lines=5"], True),
    (["rollout.split=train"], True),
    # the agent
    (["agent.max_steps=9"], True),
    (["agent.context.history_threshold_tokens=999"], True),
    (["agent.context.keep_last=2"], True),
    (["llm.agent.model=other"], True),
    (["llm.agent.temperature=0.3"], True),
    (["llm.agent.seed=7"], True),
    (["llm.agent.max_tokens=77"], True),
    (["llm.agent.base_url=http://127.0.0.1:1234/v1"], True),
    (["llm.agent.reasoning_effort=high"], True),
    # the compression (the compressor counts because a strategy calls it)
    (["compression.history.mode=rebuild"], True),
    (["compression.history.max_tokens=64"], True),
    (["llm.compressor.model=other"], True),
    (["compression/history=fifo"], True),
    (["compression/observation=guideline"], True),
    (["compression.history.guideline.name=sectioned"], True),  # another text
    # how calls are made, where things go, what runs when: no number changes
    (["llm.agent.timeout_s=5"], False),
    (["llm.agent.max_retries=0"], False),
    (["llm.agent.max_concurrency=1"], False),
    (["llm.agent.api_key_env=SOME_KEY"], False),
    (["llm.cache.enabled=false"], False),
    (["rollout.workers=4"], False),
    (["rollout.limit=2"], False),
    (["rollout/backend=ray"], False),
    (["tracking=off"], False),
    (["llm.optimizer.model=other"], False),
    (["llm.judge.model=other"], False),  # facts has no judge
    (["optimizer.n_candidates=2"], False),
    (["report.out=/elsewhere"], False),
]


@pytest.fixture(scope="module")
def base_key():
    return reuse_key(compose(BASE))


@pytest.mark.parametrize(("overrides", "changes"), FLIPS, ids=[" ".join(o) for o, _ in FLIPS])
def test_each_setting_changes_the_key_exactly_when_it_changes_an_outcome(
    overrides, changes, base_key
):
    assert (reuse_key(compose([*BASE, *overrides])) != base_key) is changes


def test_the_compressor_counts_only_when_a_strategy_calls_it():
    no_llm = ["compression/history=fifo"]
    assert reuse_key(compose([*no_llm, "llm.compressor.model=other"])) == reuse_key(compose(no_llm))


def test_a_judges_settings_count_where_the_benchmark_has_a_judge():
    live = ["env=webvoyager"]
    assert reuse_key(compose([*live, "llm.judge.model=other"])) != reuse_key(compose(live))
    local = ["env=webvoyager_local"]
    assert reuse_key(compose([*local, "llm.judge.model=other"])) == reuse_key(compose(local))


def test_a_guideline_counts_by_its_text_not_its_name_or_place(tmp_path):
    text = SHIPPED.load("history", "prompting").text
    same = GuidelineStore(tmp_path / "mine")
    same.add("history", "copy", text)
    moved = [
        *BASE,
        f"compression.history.guideline.dir={same.root}",
        "compression.history.guideline.name=copy",
    ]
    assert reuse_key(compose(moved)) == reuse_key(compose(BASE))
    same.add("history", "copy", text + "\nKeep dates.")  # v2, another text
    assert reuse_key(compose(moved)) != reuse_key(compose(BASE))


def test_data_counts_by_content_not_location(tmp_path):
    cfg = compose(["env=qa"])
    copy = tmp_path / "nq"
    shutil.copytree(cfg.env.data_dir, copy, copy_function=shutil.copyfile)
    moved = compose(["env=qa", f"env.data_dir={copy}"])
    assert reuse_key(moved) == reuse_key(cfg)
    questions = next(copy.rglob("NQ-open.dev.jsonl"))
    questions.write_text(questions.read_text().replace("who", "whom", 1))
    assert reuse_key(compose(["env=qa", f"env.data_dir={copy}"])) != reuse_key(cfg)


def test_prompt_templates_the_harness_and_rows_versions_count(tmp_path, monkeypatch):
    before = reuse_key(compose(BASE))
    monkeypatch.setattr(acon, "__version__", "99.0")
    assert reuse_key(compose(BASE)) != before
    monkeypatch.undo()
    # rows whose columns meant something else (peak with the system prompt) are not reused
    monkeypatch.setattr(rollout_store, "ROWS_VERSION", rollout_store.ROWS_VERSION + 1)
    assert reuse_key(compose(BASE)) != before
    monkeypatch.undo()
    frames = tmp_path / "frames"
    shutil.copytree(rollout_store.PROMPT_DIRS[1], frames, copy_function=shutil.copyfile)
    monkeypatch.setattr(rollout_store, "PROMPT_DIRS", (rollout_store.PROMPT_DIRS[0], frames))
    assert reuse_key(compose(BASE)) == before
    (frames / "history.md").write_text((frames / "history.md").read_text() + "\nBe brief.")
    assert reuse_key(compose(BASE)) != before


def test_the_store_folder_shows_what_its_key_covers(tmp_path):
    folder = RolloutStore(tmp_path).folder(RolloutSpec.of(compose(BASE)))
    identity = (folder.path / "identity.json").read_text()
    assert folder.path.name == reuse_key(compose(BASE))
    for part in ('"harness"', '"prompts"', '"text_sha"', '"agent"', '"compressor"'):
        assert part in identity
    assert '"optimizer"' not in identity and "timeout_s" not in identity
