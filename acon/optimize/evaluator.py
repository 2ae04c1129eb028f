"""Rollouts of a guideline (or of no compression) on a set of tasks, paid for once.

Each configuration gets its own rollout folder, named by a hash of everything that can
change its numbers (environment, agent, the agent and compressor endpoints, the
compression settings with the guideline's text). Folders live in a shared store
(`optimizer.rollouts_dir`), and `acon.rollout.rollout` skips tasks already finished
there, so a baseline or a candidate evaluated by an earlier optimization, or before an
interruption, is not run again; the LLM response cache covers partial tasks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from acon.compression.guidelines import save_guideline
from acon.environment import Task
from acon.llm.config import resolve_role
from acon.rollout import rollout

Rows = dict[str, dict[str, Any]]


def text_id(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:12]


class GuidelineEvaluator:
    def __init__(self, cfg: Any, llms: Any, kind: str, rollouts_dir: Path, split: str):
        self.cfg = cfg
        self.split = split
        self.llms = llms
        self.kind = kind
        self.rollouts_dir = Path(rollouts_dir)
        self.candidates_dir = self.rollouts_dir / "guidelines"

    def baseline(self, tasks: list[Task]) -> tuple[Rows, Path]:
        """Rollouts without any compression."""
        none = {"strategy": "none"}
        return self._run({"history": none, "observation": none}, tasks, {})

    def with_guideline(self, text: str, tasks: list[Task]) -> tuple[Rows, Path]:
        """Rollouts with `text` as the guideline of the optimized kind; the other kind's
        compression stays as configured."""
        name = f"g-{text_id(text)}"
        folder = self.candidates_dir / self.kind / name
        if not (folder / "v1.md").exists():
            save_guideline(self.kind, name, text, self.candidates_dir)
        params = OmegaConf.to_container(self.cfg.compression[self.kind], resolve=True)
        if params.get("strategy") not in ("guideline", "prompting"):
            params = {**params, "strategy": "guideline"}
        params["guideline"] = {"name": name, "version": 1, "dir": str(self.candidates_dir)}
        return self._run({self.kind: params}, tasks, {self.kind: text_id(text)})

    def _run(
        self, compression: dict[str, Any], tasks: list[Task], texts: dict[str, str]
    ) -> tuple[Rows, Path]:
        cfg = OmegaConf.merge(
            self.cfg,
            {"compression": compression, "rollout": {"split": self.split, "limit": None,
                                                     "task_ids": [t.id for t in tasks]}},
        )  # fmt: skip
        folder = self.rollouts_dir / config_hash(cfg, texts)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(_identity(cfg, texts), indent=2))
        rollout(cfg, folder, self.llms)
        rows = {}
        with (folder / "results.jsonl").open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                rows[row["task_id"]] = row
        return {t.id: rows[t.id] for t in tasks}, folder


def _identity(cfg: Any, texts: dict[str, str]) -> dict[str, Any]:
    """What makes a rollout's numbers: guideline files are named by their text's hash."""
    compression = OmegaConf.to_container(cfg.compression, resolve=True)
    for kind, digest in texts.items():
        compression[kind]["guideline"] = {"text_sha": digest}
    return {
        "env": OmegaConf.to_container(cfg.env, resolve=True),
        "split": cfg.rollout.split,
        "agent": OmegaConf.to_container(cfg.agent, resolve=True),
        "compression": compression,
        "llm": {role: asdict(resolve_role(cfg.llm, role)) for role in ("agent", "compressor")},
    }


def config_hash(cfg: Any, texts: dict[str, str]) -> str:
    blob = json.dumps(_identity(cfg, texts), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
