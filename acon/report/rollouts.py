"""What a report is built from, whichever the source: every task of every rollout, and
the agent's context at every step.

Sources (acon.report.sources): the MLflow tracking store (the default) and run folders on
disk (for tracking=off).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from acon.config.naming import flatten
from acon.metrics import upgraded
from acon.rollout.store import setting_order
from acon.trajectory import CONTEXT_FIELDS

STEP_COLUMNS = ["run", *CONTEXT_FIELDS]
# a rollout's compression triggers (agent.context), by the kind they trigger
THRESHOLDS = {"History": "history_threshold", "Observation": "observation_threshold"}


@dataclass
class Rollouts:
    tasks: pd.DataFrame  # a row per task: results.jsonl's columns + benchmark, method, run
    steps: pd.DataFrame  # a row per agent call: run, task_id, step, in_tokens
    # a row per run and compression kind that followed a guideline: run, kind, name,
    # version, text_sha, text
    guidelines: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def empty(self) -> bool:
        return self.tasks.empty


def run_columns(params: Mapping[str, Any]) -> dict[str, Any]:
    """What a run's every row carries from its flat config keys: its seed (a repeat's own,
    `rollout.seeds`) and its thresholds."""
    seed = params.get("llm.common.seed")
    return {"seed": None if seed in (None, "None", "null", "") else int(seed), **thresholds(params)}


def thresholds(params: Mapping[str, Any]) -> dict[str, float]:
    """A run's history and observation thresholds, from its flat config keys."""
    out = {}
    for kind, column in THRESHOLDS.items():
        value = params.get(f"agent.context.{kind.lower()}_threshold_tokens")
        out[column] = float(value) if value not in (None, "None", "null", "") else float("nan")
    return out


def combine(
    tasks: list[pd.DataFrame],
    steps: list[pd.DataFrame],
    guidelines: Sequence[pd.DataFrame] = (),
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> Rollouts:
    """The sources' frames as one; `configs` (each run's config, `config_of_*`) splits
    a label's runs of different configs into rows of their own (`by_config`)."""
    frame = pd.concat([upgraded(t) for t in tasks], ignore_index=True) if tasks else pd.DataFrame()
    used = [g for g in guidelines if len(g)]
    return Rollouts(
        by_config(by_threshold(frame), configs or {}),
        pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(columns=STEP_COLUMNS),
        pd.concat(used, ignore_index=True) if used else pd.DataFrame(),
    )


# A run's config, for telling apart runs with the same label: flat `key: value` strings.
# Seeds are left out: repeats of one config over `rollout.seeds` (which differ only in
# llm.common.seed) are pooled into one row, the design.
MIXED = "(mixed)"  # a folder resumed with rollout.resume=force holds rows of several configs
SHOWN_KEYS = 2  # differing settings named in a label; the rest are counted
# MLflow params of calls' mechanics and places (RoleConfig's OPERATIONAL fields, the local
# server's settings), which change no number: a fallback config leaves them out
_OPERATIONAL = ("api_key_env", "timeout_s", "max_retries", "max_concurrency", "context_window")


def config_of_fingerprint(record: Mapping[str, Any]) -> dict[str, str]:
    """A run folder's config: the reuse key's identity in its `fingerprint.json`
    (acon.rollout.store.identity: everything that changes a task's outcome)."""
    identity = flatten(record.get("identity") or {})
    flat = {k: _text(v) for k, v in identity.items() if not _is_seed(k)}
    flat = {("rollout.split" if k == "split" else k): v for k, v in flat.items()}
    if record.get("forced_over"):
        flat[MIXED] = "yes"
    return flat


def config_of_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The config of a run without a fingerprint (the tracking store, folders from before
    fingerprints): its env, agent, compression and llm keys, less the seed and how calls
    are made; coarser than the identity (a data path, not its contents)."""
    return {k: _text(v) for k, v in params.items() if _outcome_key(k)}


def _outcome_key(key: str) -> bool:
    if key == "rollout.split":
        return True
    if not key.startswith(("env.", "agent.", "compression.", "llm.")) or _is_seed(key):
        return False
    return not key.startswith("llm.server.") and key.rsplit(".", 1)[-1] not in _OPERATIONAL


def _is_seed(key: str) -> bool:
    return key.startswith("llm.") and key.endswith(".seed")


def _text(value: Any) -> str:
    return "None" if value is None or str(value) in ("null", "None", "") else str(value)


def by_config(tasks: pd.DataFrame, configs: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """One row per config, never pooled: where a label's runs (one benchmark) have
    different configs, each run's label gains the settings that differ among them, as
    `[key=value, ...]` (at most SHOWN_KEYS, then `+N more`; a short hash of the config
    where those collide): `History: FIFO [llm.agent.model=gpt-4.1-mini]`. A folder
    that mixes configs says so: `[mixed configs]`. Runs that differ only in their seed
    share a row (see `config_of_fingerprint`)."""
    if tasks.empty or not configs:
        return tasks
    for _, part in tasks.groupby(["benchmark", "method"], sort=False):
        runs = list(dict.fromkeys(part["run"]))
        mine = {r: {k: v for k, v in configs.get(r, {}).items() if k != MIXED} for r in runs}
        keys = sorted({k for c in mine.values() for k in c}, key=setting_order)
        differ = [k for k in keys if len({c.get(k, "(unset)") for c in mine.values()}) > 1]
        suffixes = {r: _suffix(mine[r], differ) for r in runs}
        seen: dict[str, set[str]] = {}
        for r in runs:
            seen.setdefault(suffixes[r], set()).add(_hash(mine[r]))
        for r in runs:
            parts = [suffixes[r]] if suffixes[r] else []
            if len(seen[suffixes[r]]) > 1:  # the shown settings do not tell them apart
                parts.append(f"config {_hash(mine[r])}")
            if MIXED in configs.get(r, {}):
                parts.append("mixed configs")
            if parts:
                rows = part.index[part["run"] == r]
                tail = f" [{'; '.join(parts)}]"
                tasks.loc[rows, "method"] = tasks.loc[rows, "method"] + tail
                tasks.loc[rows, "strategy"] = tasks.loc[rows, "strategy"] + tail
    return tasks


def _suffix(config: Mapping[str, str], differ: list[str]) -> str:
    shown = [f"{k}={_short(config.get(k, '(unset)'))}" for k in differ[:SHOWN_KEYS]]
    more = len(differ) - SHOWN_KEYS
    return ", ".join(shown) + (f", +{more} more" if more > 0 else "")


def _short(value: str) -> str:
    return value if len(value) <= 24 else value[:21] + "..."


def _hash(config: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:6]


def by_threshold(tasks: pd.DataFrame) -> pd.DataFrame:
    """A method run at several thresholds of the kind it compresses (a sweep, the paper's
    Figure 6) is one row per threshold: `History: Prompting @ 2048`. Its label
    without the threshold stays in `strategy`."""
    if tasks.empty:
        return tasks
    tasks = tasks.assign(strategy=tasks["method"])
    for column in THRESHOLDS.values():
        if column not in tasks:
            tasks[column] = float("nan")
    for (_, method), part in tasks.groupby(["benchmark", "method"], sort=False):
        for kind, column in THRESHOLDS.items():
            if f"{kind}:" in method and part[column].nunique() > 1:
                tasks.loc[part.index, "method"] = [
                    f"{m} @ {t:g}" for m, t in zip(part["method"], part[column], strict=True)
                ]
                break
    return tasks
