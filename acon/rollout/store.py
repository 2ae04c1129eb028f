"""Rollouts shared across runs: one folder per configuration, reused only when identical.

A folder's name is a hash of everything that can change a task's outcome (`identity`):
- the environment's settings (those marked OPERATIONAL left out) and a fingerprint of
  the data its DATA settings point at (where the data lives does not matter, what it
  holds does);
- the agent's settings (step limit, context triggers) and its prompt templates, the
  compressor's frames and the environment's own prompt files;
- each compression strategy's settings, with a guideline's resolved text in place of its
  name and version;
- the LLM settings of every role whose answers change the outcome (the agent; the
  compressor when a strategy calls it; a judge when the benchmark has one), without
  the ones that only change how a call is made (key, time-out, retries, concurrency);
  a local model counts by its file's sha256;
- the split, the harness's version, the results rows' version (`ROWS_VERSION`) and the
  trajectory record's (`TRAJECTORY_VERSION`).
Everything else (workers, backend, tracking, paths, caches, prices) changes no number and
stays out. `identity.json` in each folder shows what the key covers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import acon
from acon.compression.base import StrategyConfig
from acon.environment import EnvConfig
from acon.guidelines import text_sha
from acon.llm.config import resolve_role
from acon.llm.models import identity as model_identity
from acon.metrics import ROWS_VERSION
from acon.paths import PACKAGE_DIR
from acon.rollout.spec import RolloutSpec
from acon.run_folder import RunFolder
from acon.trajectory import TRAJECTORY_VERSION

PROMPT_DIRS = (PACKAGE_DIR / "agent" / "templates", PACKAGE_DIR / "compression" / "frames")


class RolloutStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def folder(self, spec: RolloutSpec) -> RunFolder:
        """The folder of `spec`'s rollout (made, with its identity.json, if new)."""
        ident = identity(spec)
        folder = RunFolder(self.root / key_of(ident)).make()
        (folder.path / "identity.json").write_text(json.dumps(ident, indent=2, sort_keys=True))
        folder.write_config(spec.config)
        return folder


def key_of(ident: dict[str, Any]) -> str:
    blob = json.dumps(ident, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def reuse_key(spec: RolloutSpec) -> str:
    return key_of(identity(spec))


def setting_order(key: str) -> tuple[int, str]:
    """How an identity's (or a flat config's) settings are listed to a user: what they set
    first (strategies, models), the bookkeeping last."""
    rank = {"compression": 0, "llm": 1, "agent": 2, "env": 3, "split": 3, "rollout": 3, "data": 4}
    return rank.get(key.split(".")[0], 5), key


def identity(spec: RolloutSpec) -> dict[str, Any]:
    """What makes a rollout's numbers (see the module docstring)."""
    roles = ["agent", *spec.env.scoring_roles()]
    for strategy in spec.strategies.values():
        roles += strategy.llm_roles()
    return {
        "harness": acon.__version__,
        "rows": ROWS_VERSION,
        "trajectory": TRAJECTORY_VERSION,
        "benchmark": spec.benchmark,
        "split": spec.tasks.split,
        "env": _outcome_fields(spec.env),
        "data": {name: fingerprint(path) for name, path in _data_paths(spec.env)},
        "agent": dataclasses.asdict(spec.agent),
        "prompts": _prompts(spec.env),
        "compression": {kind: _strategy(s) for kind, s in spec.strategies.items()},
        "llm": {role: _role(spec, role) for role in sorted(set(roles))},
    }


def _strategy(config: StrategyConfig) -> dict[str, Any]:
    fields = _outcome_fields(config)
    ref = getattr(config, "guideline", None)
    if ref is not None:  # the text decides, not where it is stored or what it is called
        fields["guideline"] = {"text_sha": text_sha(ref.text)}
    return fields


def _role(spec: RolloutSpec, role: str) -> dict[str, Any]:
    models = spec.models
    config = resolve_role(models.llm, role)
    fields = _outcome_fields(config)
    if config.local_model:
        fields["local_model_sha256"] = model_identity(
            models.local_models, config.local_model, models.models_dir
        )
        fields["ctx_size"] = models.llm.server.ctx_size
    return fields


def _outcome_fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields, nested ones included, without OPERATIONAL and DATA ones."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.metadata.get("outcome") is False or f.metadata.get("data"):
            continue
        value = getattr(obj, f.name)
        out[f.name] = _outcome_fields(value) if dataclasses.is_dataclass(value) else value
    return out


def _data_paths(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            found += _data_paths(value, f"{prefix}{f.name}.")
        elif f.metadata.get("data") and value:
            for i, path in enumerate(value if isinstance(value, list) else [value]):
                found.append(
                    (f"{prefix}{f.name}" + (f"[{i}]" if isinstance(value, list) else ""), str(path))
                )
    return found


def _prompts(env: EnvConfig) -> str:
    """One hash over the agent's templates, the compressor's frames and the environment
    package's own non-code files (prompts, page scripts, local sites)."""
    package = Path(importlib.import_module(str(env._target_).rsplit(".", 2)[0]).__path__[0])
    digest = hashlib.sha256()
    for folder in (*PROMPT_DIRS, package):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.suffix not in (".py", ".pyc"):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(_file_sha(str(path), *_stat(path)).encode())
    return digest.hexdigest()[:16]


def fingerprint(path: str) -> str | None:
    """What a data location holds: a hash of its files' relative names and contents
    (None when it does not exist)."""
    root = Path(path)
    if root.is_file():
        return _file_sha(str(root), *_stat(root))
    if not root.is_dir():
        return None
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(_file_sha(str(file), *_stat(file)).encode())
    return digest.hexdigest()


def _stat(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


@lru_cache(maxsize=65536)
def _file_sha(path: str, size: int, mtime_ns: int) -> str:
    """A file's sha256, computed once per process for each (size, mtime)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
