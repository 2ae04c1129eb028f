"""Timings of the AppWorld engine path: pack generation, server start, worlds, one task.

    .venv/bin/python benchmarks/appworld_engine.py

Generates the pack into a fresh temporary folder (so generation is timed), starts one
engine server, and solves `gpay_1` (SimpleNote + Venmo) with scripted code: the whole
path an agent's episode takes, minus the LLM. Needs `make setup` (.venv-appworld).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from acon.environment import Action
from environments.appworld.config import AppWorldConfig
from environments.appworld.data import ensure_pack
from environments.appworld.env import AppWorldEnv

PYTHON = Path(__file__).resolve().parents[1] / ".venv-appworld" / "bin" / "python"
SOLUTION = [
    "pw = {a['account_name']: a['password'] for a in apis.supervisor.show_account_passwords()}\n"
    "me = apis.supervisor.show_profile()\n"
    "nt = apis.simple_note.login(username=me['email'], password=pw['simple_note'])"
    "['access_token']\n"
    "vt = apis.venmo.login(username=me['email'], password=pw['venmo'])['access_token']",
    "import re\n"
    "n = apis.simple_note.search_notes(query='IOU', access_token=nt)[0]\n"
    "c = apis.simple_note.show_note(note_id=n['note_id'], access_token=nt)['content']\n"
    "to = apis.venmo.search_users(query='Alex Moreno', access_token=vt)[0]['email']\n"
    "amount = float(re.search(r'\\$([0-9.]+)', c).group(1))\n"
    "print(apis.venmo.create_transaction(receiver_email=to, amount=amount, description='IOU',"
    " access_token=vt))",
]


def timed(label: str, fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    out = fn()
    print(f"{label:<38} {time.perf_counter() - start:7.2f} s")
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pack = timed("generate the pack (5 tasks)", lambda: ensure_pack(PYTHON, Path(tmp) / "p"))
        env = AppWorldEnv(AppWorldConfig(python=str(PYTHON), pack_dir=str(pack), log_dir=tmp))
        try:
            tasks = {t.id: t for t in env.tasks("test")}
            timed("start one server (ready on GET /)", lambda: env.pool().start())
            timed("first world (initialize)", lambda: env.reset(tasks["gnote_1"]))
            timed("next world (initialize)", lambda: env.reset(tasks["gpay_1"]))
            start = time.perf_counter()
            for i, code in enumerate(SOLUTION):
                timed(f"execute {i + 1}", lambda c=code: env.step(Action("execute", {"code": c})))
            timed("complete_task", lambda: env.step(Action("complete_task", {})))
            result = timed("evaluate", env.evaluate)
            total = time.perf_counter() - start
            print(f"{'one task, steps + evaluation':<38} {total:7.2f} s (success={result.success})")
        finally:
            timed("close (stop the server)", env.close)


if __name__ == "__main__":
    main()
