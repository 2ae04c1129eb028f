"""Task loading: WebVoyager's live-site tasks (with reference answers), its GAIA web tasks,
and the offline sites' tasks (exact answers).

WebVoyager has no train/test split of its own: `train` is a fixed, seeded sample of
`train_per_site` tasks from each site, `test` the rest, `all` every task.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from acon.environment import Task
from acon.errors import AconError

SPLITS = ("train", "test", "all")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise AconError(
            f"Missing {path}: set paths.data_dir (or ACON_DATA_DIR) to the folder holding "
            "webvoyager/data/ from the WebVoyager repository."
        )
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise AconError(f"{path} line {n} is not JSON ({exc}): restore the file.") from exc
    return rows


def _task_number(task_id: str) -> int:
    match = re.fullmatch(r".+--(\d+)", task_id)
    if not match:
        raise AconError(f"Task id {task_id!r} is not '<site>--<n>': restore WebVoyager_data.jsonl.")
    return int(match.group(1))


def load_webvoyager(data_dir: str | Path, sites: list[str] | None = None) -> list[Task]:
    """WebVoyager_data.jsonl joined with reference_answer.json (ids '<site>--<n>')."""
    root = Path(data_dir)
    rows = _read_jsonl(root / "WebVoyager_data.jsonl")
    ref_path = root / "reference_answer.json"
    if not ref_path.is_file():
        raise AconError(f"Missing {ref_path}: restore WebVoyager's reference_answer.json.")
    references = json.loads(ref_path.read_text(encoding="utf-8"))
    known = sorted({r["web_name"] for r in rows})
    unknown = sorted(set(sites or []) - set(known))
    if unknown:
        raise AconError(f"Unknown site(s) {unknown} in env.sites: choose from {known}.")
    tasks = []
    for row in rows:
        try:
            site, task_id, question, url = row["web_name"], row["id"], row["ques"], row["web"]
        except KeyError as exc:
            raise AconError(
                f"A WebVoyager task lacks {exc}: restore WebVoyager_data.jsonl."
            ) from exc
        if sites and site not in sites:
            continue
        ref = references.get(site, {})
        answers = {a["id"]: a for a in ref.get("answers", [])}
        answer = answers.get(_task_number(task_id))
        if answer is None:
            raise AconError(f"No reference answer for {task_id}: restore reference_answer.json.")
        tasks.append(
            Task(
                id=task_id,
                instruction=question,
                difficulty=site,
                metadata={
                    "source": "webvoyager",
                    "web": url,
                    "web_name": site,
                    "reference": answer["ans"],
                    "reference_type": answer.get("type", "possible"),
                    "notice": (ref.get("notice") or "").strip(),
                },
            )
        )
    return tasks


def load_gaia(data_dir: str | Path) -> list[Task]:
    """GAIA's web tasks as WebVoyager ships them: one short final answer each."""
    tasks = []
    for row in _read_jsonl(Path(data_dir) / "GAIA_web.jsonl"):
        tasks.append(
            Task(
                id=f"GAIA--{row['id']}",
                instruction=row["ques"],
                difficulty=f"level{row['Level']}",
                metadata={
                    "source": "gaia",
                    "web": row["web"],
                    "web_name": "GAIA",
                    "reference": str(row["Final answer"]),
                    "reference_type": "golden",
                    "notice": "",
                },
            )
        )
    return tasks


def load_local(sites_dir: str | Path) -> list[Task]:
    """The offline sites' tasks; `start` is a path under the site server's root."""
    tasks = []
    for row in _read_jsonl(Path(sites_dir) / "tasks.jsonl"):
        tasks.append(
            Task(
                id=row["id"],
                instruction=row["ques"],
                difficulty=row["web_name"],
                metadata={
                    "source": "local",
                    "start": row["start"],
                    "web_name": row["web_name"],
                    "answers": list(row["answers"]),
                },
            )
        )
    return tasks


def split(tasks: list[Task], name: str, train_per_site: int, seed: int) -> list[Task]:
    """A fixed per-site train sample and the rest as test; order follows the data file."""
    if name not in SPLITS:
        raise AconError(f"Unknown split {name!r}: set rollout.split to one of {', '.join(SPLITS)}.")
    if name == "all" or train_per_site <= 0:
        return tasks if name != "train" else []
    by_site: dict[str, list[str]] = {}
    for task in tasks:
        by_site.setdefault(str(task.difficulty), []).append(task.id)
    rng = random.Random(seed)
    train = {i for ids in by_site.values() for i in rng.sample(ids, min(train_per_site, len(ids)))}
    return [t for t in tasks if (t.id in train) == (name == "train")]
