"""ActionPads: the tool sequences that solved training tasks, offered to later tasks.

After the async context compactors that keep "ActionPads", reusable successful step
sequences: `agent.action_pads.source` names finished rollouts of the same benchmark on
another split (its training tasks); every task that succeeded there becomes a pad (its
instruction and the actions it took, from its trajectory's `action` events). Each task
of this run is offered the `top_k` pads whose instructions best match its own (BM25),
after its instruction. The library is written to the run folder (`action_pads.jsonl`),
and each task's trajectory records which pads it was offered. Pads from the split being
run would hand the agent its own answers: they are refused.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from acon.config.naming import benchmark_name
from acon.config.schemas import check_positive
from acon.errors import AconError
from acon.run_folder import RunFolder
from acon.trajectory import read_events

HEADER = (
    "Action sequences that solved similar tasks of this benchmark before (follow them where "
    "they fit; their values are those tasks', not yours):"
)


@dataclass
class ActionPadsConfig:
    source: list[str] = field(default_factory=list)  # rollouts on another split; [] is off
    top_k: int = 1  # pads offered to each task
    max_actions: int = 12  # a longer sequence is not a reusable pad

    def __post_init__(self) -> None:
        check_positive("top_k", self.top_k)
        check_positive("max_actions", self.max_actions)


@dataclass(frozen=True)
class ActionPad:
    task_id: str
    instruction: str
    actions: list[dict[str, Any]]  # {"name", "arguments"} in order

    def text(self) -> str:
        steps = "\n".join(
            f"  {n}. {a['name']}({json.dumps(a['arguments'], ensure_ascii=False)})"
            for n, a in enumerate(self.actions, 1)
        )
        return f"Task: {self.instruction}\n{steps}"


class ActionPads:
    """The pad library of a run and the choice of pads for each task."""

    def __init__(self, pads: list[ActionPad], top_k: int = 1):
        if not pads:
            raise AconError(
                "agent.action_pads.source holds no successful task with recorded actions: "
                "point it at finished rollouts of this benchmark whose tasks succeeded."
            )
        self.pads, self.top_k = pads, top_k
        try:
            import bm25s  # the qa extra, installed by `make setup`
        except ImportError:
            raise AconError(
                "agent.action_pads needs bm25s: install the qa extra (pip install -e '.[qa]', "
                "or `make setup`)."
            ) from None

        self._bm25s = bm25s
        self._index = bm25s.BM25()
        self._index.index(
            bm25s.tokenize([p.instruction for p in pads], show_progress=False), show_progress=False
        )

    @classmethod
    def load(cls, config: ActionPadsConfig, benchmark: str, split: str) -> ActionPads | None:
        """The library from `config.source` for a run of `benchmark`'s `split`; None when off."""
        if not config.source:
            return None
        folders = RunFolder.find(config.source)
        if not folders:
            raise AconError(
                f"agent.action_pads.source {list(config.source)} holds no rollout: point it at "
                "finished rollouts (folders with results.jsonl) of this benchmark's train split."
            )
        pads = []
        for folder in folders:
            source = folder.config()
            if source and benchmark_name(source) != benchmark:
                raise AconError(
                    f"The ActionPads source {folder.path} ran {benchmark_name(source)}, not "
                    f"{benchmark}: give agent.action_pads.source rollouts of this benchmark."
                )
            if source.get("rollout", {}).get("split") == split:
                raise AconError(
                    f"The ActionPads source {folder.path} ran the {split} split, the one this "
                    "run scores: pads must come from other tasks (roll out the train split)."
                )
            pads += pads_of(folder, config.max_actions)
        return cls(pads, config.top_k)

    def offer(self, instruction: str) -> tuple[str, list[str]]:
        """The instruction with the best-matching pads after it, and their task ids."""
        query = self._bm25s.tokenize([instruction], show_progress=False)
        k = min(self.top_k, len(self.pads))
        found, scores = self._index.retrieve(query, k=k, show_progress=False)
        chosen = [self.pads[int(i)] for i, s in zip(found[0], scores[0], strict=True) if s > 0]
        if not chosen:
            return instruction, []
        text = "\n\n".join(p.text() for p in chosen)
        return f"{instruction}\n\n{HEADER}\n{text}", [p.task_id for p in chosen]

    def write(self, folder: RunFolder) -> None:
        folder.write_action_pads([asdict(p) for p in self.pads])


def pads_of(folder: RunFolder, max_actions: int) -> list[ActionPad]:
    """A pad per task that succeeded in `folder`, from its trajectory's actions."""
    pads = []
    for task_id, row in sorted(folder.finished().items()):
        path = folder.trajectory(task_id)
        if not row.get("success") or not path.exists():
            continue
        events = read_events(path)
        start = next((e for e in events if e["event"] == "start"), None)
        actions = [
            {"name": e["name"], "arguments": e["arguments"]}
            for e in events
            if e["event"] == "action"
        ]
        if start is not None and 0 < len(actions) <= max_actions:
            pads.append(ActionPad(task_id, start["instruction"], actions))
    return pads
