"""Resuming a rollout into its folder without mixing configs or paying twice.

A folder's first rollout records its fingerprint (`fingerprint.json`): the rollout store's
identity of the config (acon.rollout.store: everything that changes a task's outcome, so
not `rollout.limit`, workers or the backend) and the config files as they were then. A
later rollout into a folder that holds finished tasks must have the same identity, or it
stops naming the settings that differ; `rollout.resume=force` adds its rows anyway and
records that the folder now mixes configs.

A task whose process died between its end and its results row (kill -9) is not run
again: its trajectory ends with the row (`row` event, acon.rollout.runner), which
`recover` copies into results.jsonl.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from acon.config.naming import flatten
from acon.environment import Task
from acon.errors import AconError
from acon.rollout.runner import ROW_EVENT
from acon.rollout.spec import RolloutSpec
from acon.rollout.store import identity, key_of, setting_order
from acon.run_folder import RunFolder
from acon.trajectory import FINISHED

log = logging.getLogger(__name__)

RESUME_MODES = ("check", "force")
SHOWN = 6  # differences named in the refusal; the rest are counted

# identity's top-level keys that are not config keys, in words
_WORDS = {
    "harness": "the harness version",
    "rows": "the results format (ROWS_VERSION)",
    "trajectory": "the trajectory format (TRAJECTORY_VERSION)",
    "benchmark": "env (the benchmark)",
    "split": "rollout.split",
    "prompts": "the prompt templates and the benchmark's own files",
}


def claim(spec: RolloutSpec, folder: RunFolder, write: bool = True) -> None:
    """Check that `spec` may add rows to `folder` (AconError, one sentence, if not), and
    record its fingerprint there (`write`); a refusal puts back the folder's config files."""
    ident = identity(spec)
    key = key_of(ident)
    record = folder.fingerprint()
    if record is not None and record.get("key") == key:
        return
    finished = len(folder.finished())
    if record is None and finished and write:
        log.warning(
            "%s has %d finished task(s) but no fingerprint (written before "
            "fingerprints existed): its config cannot be checked against this one.",
            folder.path,
            finished,
        )
    forced: list[dict[str, Any]] = []
    if record is not None and finished:
        changes = differences(record.get("identity") or {}, ident)
        shown = "; ".join(changes[:SHOWN]) + (
            f"; and {len(changes) - SHOWN} more" if len(changes) > SHOWN else ""
        )
        if spec.run.resume != "force":
            folder.restore_config_files()
            raise AconError(
                f"The run folder {folder.path} holds {finished} finished task(s) of another "
                f"config ({shown}): give this config a new folder (another hydra.run.dir), "
                f"or add rollout.resume=force to add its rows to these anyway."
            )
        log.warning(
            "rollout.resume=force: %s now mixes rows of two configs (%s).", folder.path, shown
        )
        forced = [*record.get("forced_over", []), {"key": record.get("key"), "changes": changes}]
    if write:
        folder.write_fingerprint(
            {
                "key": key,
                "identity": ident,
                "forced_over": forced,
                "config_files": folder.config_files(),
            }
        )


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """`setting: old -> new` for each identity entry that differs, named by config key. A
    strategy swapped for another, or a role's model no longer called, is one entry."""
    a, b = flatten(old), flatten(new)
    out, whole = [], []
    for group in ("compression", "llm"):  # compression.<kind>, llm.<role>
        for name in sorted(set(old.get(group) or {}) | set(new.get(group) or {})):
            prefix = f"{group}.{name}"
            before, after = (old.get(group) or {}).get(name), (new.get(group) or {}).get(name)
            if before is None or after is None:
                whole.append(prefix)
                out.append(
                    f"{prefix}: {'used' if before else 'not used'} -> "
                    f"{'used' if after else 'not used'}"
                )
            elif before.get("_target_") != after.get("_target_"):
                whole.append(prefix)
                out.append(f"{prefix}: {_kind(before)} -> {_kind(after)}")
    for path in sorted(set(a) | set(b), key=setting_order):
        if any(path.startswith(p + ".") for p in whole):
            continue
        if a.get(path, _UNSET) != b.get(path, _UNSET):
            out.append(
                f"{_config_key(path)}: {_show(a.get(path, _UNSET))} -> {_show(b.get(path, _UNSET))}"
            )
    return out


def _kind(settings: dict[str, Any]) -> str:
    return str(settings.get("_target_", "?")).rsplit(".", 1)[-1]


def recover(folder: RunFolder, tasks: Iterable[Task]) -> list[str]:
    """Copy into results.jsonl the rows of finished tasks whose trajectory ends with its
    row but whose results row is missing (the process died in between); their ids."""
    done = folder.finished()
    recovered = []
    for task in tasks:
        if task.id in done:
            continue
        row = _last_row(folder, task.id)
        if row is not None and row.get("status") == FINISHED and row.get("task_id") == task.id:
            folder.append_row(row)
            recovered.append(task.id)
    if recovered:
        log.info(
            "Recovered %d finished task(s) from their trajectories in %s (not run again): %s",
            len(recovered),
            folder.path,
            ", ".join(recovered),
        )
    return recovered


def _last_row(folder: RunFolder, task_id: str) -> dict[str, Any] | None:
    path = folder.trajectory(task_id)
    if not path.is_file():
        return None
    lines = [
        line
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip()
    ]
    if not lines:
        return None
    try:
        event = json.loads(lines[-1])
    except json.JSONDecodeError:  # torn by the crash: the task runs again
        return None
    if not isinstance(event, dict) or event.get("event") != ROW_EVENT:
        return None
    return {k: v for k, v in event.items() if k != "event"}


class _Unset:
    def __repr__(self) -> str:
        return "(unset)"


_UNSET = _Unset()


def _config_key(path: str) -> str:
    head, _, rest = path.partition(".")
    if head in _WORDS:
        return _WORDS[head]
    if head == "data":
        return f"the data behind env.{rest}"
    if head == "compression" and rest.endswith(".guideline.text_sha"):
        return f"compression.{rest.removesuffix('.text_sha')} (its text)"
    return path  # env.*, agent.*, compression.*, llm.<role>.* are the config's own keys


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, _Unset) else str(value)
    return text if len(text) <= 48 else text[:45] + "..."
