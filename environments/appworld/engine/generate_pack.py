"""Generate the offline AppWorld task pack into an AppWorld root, through the real engine.

Run with the AppWorld virtual environment's Python (never imported by the harness):

    .venv-appworld/bin/python environments/appworld/engine/generate_pack.py ROOT [VERSION]

Writes, the way `appworld download data` lays out the real data:
  ROOT/data/api_docs/standard/<app>.json     API docs, built from the installed apps
  ROOT/data/tasks/<id>/specs.json            instruction, supervisor, datetime, db_version
  ROOT/data/tasks/<id>/dbs/<app>.db          each app's start state (SQLite, the engine's
                                             own models and validation)
  ROOT/data/tasks/<id>/ground_truth/         answer, public/private data, evaluation.py,
                                             test_data.json, metadata.json (difficulty)
  ROOT/data/datasets/generated.txt           the task ids
  ROOT/data/PACK_VERSION                     VERSION, written last: the pack is complete
Idempotent: a ROOT whose PACK_VERSION matches is left alone. The harness passes a hash
of this folder's sources as VERSION, so a changed pack is generated again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from textwrap import dedent

PACK_VERSION = "1"


def _requirements(evaluation_code: str) -> list[str]:
    # The engine matches each `with test("""...""")` requirement, dedented and stripped.
    return [
        dedent(r).strip() for r in re.findall(r'with test\("""(.*?)"""\)', evaluation_code, re.S)
    ]


def _write_json(obj: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, default=str))


def generate(root: Path, version: str = PACK_VERSION) -> list[str]:
    os.environ["APPWORLD_ROOT"] = str(root)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from appworld.api_docs import prepare_api_docs
    from appworld.apps import get_all_apps
    from appworld.apps.api_lib import set_local_date_and_time, unset_local_date_and_time
    from appworld.collections.models import ModelCollection
    from appworld.common.constants import CANARY_STRING, DB_VERSION
    from appworld.common.datetime import DateTime
    from pack_tasks import DATETIME, EVALUATIONS, FRIENDS, PASSWORDS, SUPERVISOR, tasks

    data = root / "data"
    apps = get_all_apps()  # admin, api_docs, supervisor and the nine apps
    docs = {
        app: prepare_api_docs(app, include_private_apis=False) for app in apps if app != "admin"
    }
    for app, app_docs in docs.items():
        standard = {d["api_name"]: {**d, "canary_string": CANARY_STRING} for d in app_docs}
        _write_json(standard, data / "api_docs" / "standard" / f"{app}.json")

    freezer = set_local_date_and_time(DateTime.fromisoformat(DATETIME))
    ids = []
    try:
        for task in tasks():
            ids.append(task.id)
            task_dir = data / "tasks" / task.id
            shutil.rmtree(task_dir, ignore_errors=True)
            models = ModelCollection.load(
                to_db_home_path=f":memory:acon-pack-{task.id}", load_apps=apps, create_db=True
            )
            _populate(models, task, docs, SUPERVISOR, FRIENDS, PASSWORDS)
            models.save(db_home_path=str(task_dir / "dbs"), format="full", app_names=list(apps))
            models.close()
            _write_json(
                {
                    "instruction": task.instruction,
                    "supervisor": {
                        k: SUPERVISOR[k]
                        for k in ("first_name", "last_name", "email", "phone_number")
                    },
                    "datetime": DATETIME,
                    "db_version": DB_VERSION,
                    "canary_string": CANARY_STRING,
                },
                task_dir / "specs.json",
            )
            code, no_op_pass = EVALUATIONS[task.id.split("_")[0]]
            reqs = _requirements(code)
            assert len(reqs) == len(no_op_pass), task.id
            gt = task_dir / "ground_truth"
            _write_json(task.public_data, gt / "public_data.json")
            _write_json(task.private_data, gt / "private_data.json")
            (gt / "answer.json").write_text(json.dumps(task.answer))
            (gt / "evaluation.py").write_text(code.lstrip())
            _write_json(
                [
                    {"requirement": r, "label": "no_op_pass" if p else "no_op_fail"}
                    for r, p in zip(reqs, no_op_pass, strict=True)
                ],
                gt / "test_data.json",
            )
            _write_json(
                {
                    "mode": "minimal",
                    "difficulty": task.difficulty,
                    "num_apps": len(task.apps),
                    "num_apis": 0,
                    "num_solution_code_lines": 0,
                    "required_apps": task.apps,
                    "source": "acon generated pack",
                },
                gt / "metadata.json",
            )
    finally:
        unset_local_date_and_time(freezer)
    (data / "datasets").mkdir(parents=True, exist_ok=True)
    (data / "datasets" / "generated.txt").write_text("\n".join(ids) + "\n")
    (data / "PACK_VERSION").write_text(version)
    return ids


def _populate(models, task, docs, supervisor, friends, passwords) -> None:  # noqa: ANN001
    """One task's start state: the supervisor, their accounts, and the task's own data."""
    for app, app_docs in docs.items():
        for d in app_docs:
            models.api_docs.ApiDoc.create_save(
                app_name_=app,
                api_name=d["api_name"],
                path=d["path"],
                method=d["method"],
                description=d["description"],
                parameters=d["parameters"],
                response_schemas=d["response_schemas"],
            )
    models.admin.MainUser.create_save(**supervisor)
    boss = models.supervisor.Supervisor.create_save(**supervisor)
    for account, password in passwords.items():
        models.supervisor.AccountPassword.create_save(
            supervisor_id=boss.id, account_name=account, password=password
        )
    models.supervisor.Task.create_save(supervisor_id=boss.id, instruction=task.instruction)
    person = {k: supervisor[k] for k in ("first_name", "last_name", "email")}
    note_user = models.simple_note.User.create_save(
        **person, password=passwords["simple_note"], verified=True
    )
    for note in task.notes:
        models.simple_note.Note.create_save(user_id=note_user.id, **note)
    models.venmo.User.create_save(
        **person, password=passwords["venmo"], venmo_balance=500.0, verified=True
    )
    for friend in friends:
        models.venmo.User.create_save(
            **{k: friend[k] for k in ("first_name", "last_name", "email")},
            password=f"pw-{friend['first_name'].lower()}-77",
            venmo_balance=100.0,
            verified=True,
        )
    phone_user = models.phone.User.create_save(
        first_name=supervisor["first_name"],
        last_name=supervisor["last_name"],
        phone_number=supervisor["phone_number"],
        password=passwords["phone"],
    )
    for contact in task.contacts:
        models.phone.Contact.create_save(user_id=phone_user.id, **contact)


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    version = sys.argv[2] if len(sys.argv) > 2 else PACK_VERSION
    stamp = root / "data" / "PACK_VERSION"
    if stamp.exists() and stamp.read_text().strip() == version:
        print(f"pack already generated in {root}")
        return
    ids = generate(root, version)
    print(f"generated {len(ids)} tasks in {root}: {' '.join(ids)}")


if __name__ == "__main__":
    main()
