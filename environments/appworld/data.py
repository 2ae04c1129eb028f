"""Where AppWorld tasks come from: the official data, or the generated offline pack.

Both are an AppWorld root (`<root>/data/tasks/<id>/specs.json`, `ground_truth/`,
`dbs/`), read here without importing AppWorld: the harness only needs instructions,
difficulty and scenario ids; the engine server reads the rest.

- official: the root where a user ran `appworld download data` (needs internet), task ids
  from the official split files (`${paths.data_dir}/appworld/<split>.txt`).
- generated: a small pack generated at run time by `engine/generate_pack.py` through the
  real engine (own app data, own evaluations), into a cache folder outside git.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from pathlib import Path

from acon.environment import Task
from acon.errors import AconError

log = logging.getLogger(__name__)
ENGINE_DIR = Path(__file__).resolve().parent / "engine"
SPLIT_ALIASES = {"test": "test_normal"}
DOWNLOAD_FIX = (
    "run `appworld download data` in an AppWorld root (needs internet; with "
    ".venv-appworld/bin/appworld) and set env.appworld_root to it, or use "
    "env.task_source=generated for the offline pack"
)


def check_install(python: str | Path) -> Path:
    """The AppWorld venv's Python, refusing one without AppWorld's decrypted apps."""
    python = Path(python)
    if not python.exists():
        raise AconError(
            f"No AppWorld Python at {python}: run `make setup` (it creates .venv-appworld "
            f"with appworld and runs `appworld install`), or set env.python."
        )
    site = python.parent.parent / "lib"
    if not any(site.glob("python3*/site-packages/appworld/apps/supervisor/apis.py")):
        raise AconError(
            f"AppWorld in {python.parent.parent} is not installed fully: run `make setup` "
            f"(or `{python.parent / 'appworld'} install`)."
        )
    return python


def pack_version() -> str:
    """A hash of the generator's sources: a changed pack is generated again."""
    digest = hashlib.sha256()
    for name in ("generate_pack.py", "pack_tasks.py"):
        digest.update((ENGINE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_pack(python: str | Path, pack_dir: str | Path) -> Path:
    """The generated pack's AppWorld root, generating it (once per version) if needed."""
    pack_dir = Path(pack_dir)
    version = pack_version()
    stamp = pack_dir / "data" / "PACK_VERSION"
    if stamp.exists() and stamp.read_text().strip() == version:
        return pack_dir
    python = check_install(python)
    # Generate beside the target and rename it into place, so a concurrent or
    # interrupted generation never leaves a half-written pack behind the stamp.
    tmp = pack_dir.with_name(f"{pack_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    log.info("Generating the AppWorld task pack in %s (about 15-60 s)", pack_dir)
    proc = subprocess.run(
        [str(python), str(ENGINE_DIR / "generate_pack.py"), str(tmp), version],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise AconError(
            f"Generating the AppWorld pack failed ({last[0]}): run `make setup` to "
            f"reinstall .venv-appworld."
        )
    if stamp.exists() and stamp.read_text().strip() == version:  # another process won
        shutil.rmtree(tmp, ignore_errors=True)
        return pack_dir
    shutil.rmtree(pack_dir, ignore_errors=True)
    pack_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(pack_dir)
    return pack_dir


def load_task(root: Path, task_id: str) -> Task:
    task_dir = root / "data" / "tasks" / task_id
    try:
        specs = json.loads((task_dir / "specs.json").read_text())
        meta = json.loads((task_dir / "ground_truth" / "metadata.json").read_text())
    except (OSError, ValueError) as exc:
        raise AconError(
            f"AppWorld task {task_id} is missing or malformed ({exc}): {DOWNLOAD_FIX}."
        ) from exc
    return Task(
        id=task_id,
        instruction=specs["instruction"],
        difficulty=str(meta["difficulty"]),
        scenario=scenario_of(task_id),
        metadata={
            "supervisor": specs.get("supervisor", specs.get("main_user", {})),
            "datetime": specs.get("datetime"),
        },
    )


def scenario_of(task_id: str) -> str:
    """AppWorld's scenario (generator) id: the part before `_` (and any `:tag`)."""
    return task_id.split(":")[0].split("_")[0]


def official_tasks(root: str | Path | None, splits_dir: str | Path, split: str) -> list[Task]:
    split = SPLIT_ALIASES.get(split, split)
    split_file = Path(splits_dir) / f"{split}.txt"
    if not split_file.exists():
        have = sorted(p.stem for p in Path(splits_dir).glob("*.txt"))
        raise AconError(
            f"No AppWorld split {split!r} in {splits_dir} (have: {', '.join(have) or 'none'}): "
            f"set rollout.split to one of them, or fix env.splits_dir."
        )
    if not root or not (Path(root) / "data" / "tasks").is_dir():
        raise AconError(
            f"No AppWorld task data in {root or '(env.appworld_root unset)'}: {DOWNLOAD_FIX}."
        )
    ids = [line.split(":")[0].strip() for line in split_file.read_text().splitlines()]
    return [load_task(Path(root), i) for i in ids if i]


# The generated pack's splits, disjoint by scenario (a scenario's tasks share their
# evaluation, so splitting one would train on its test): an optimization on `train`
# never sees a `test` task.
GENERATED_SPLITS = {"train": ("gnote",), "dev": ("gcount",), "test": ("gpay", "groom")}


def generated_tasks(root: Path, split: str) -> list[Task]:
    if split not in GENERATED_SPLITS:
        raise AconError(
            f"The generated AppWorld pack has no split {split!r}: set rollout.split to one of "
            f"{', '.join(GENERATED_SPLITS)}."
        )
    ids = (root / "data" / "datasets" / "generated.txt").read_text().split()
    return [load_task(root, i) for i in ids if scenario_of(i) in GENERATED_SPLITS[split]]
