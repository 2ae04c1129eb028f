"""A stand-in for AppWorld's environment server (same routes and payloads), for unit
tests of the server manager and the environment. Run as the engine's serve script:

    python fake_engine.py --root ROOT --port PORT

A task is solved when an execute's code contains SOLVE and the task is completed. An
execute's output is its code echoed, or `"x" * N` for code `LONG N`. FAKE_ENGINE_FAIL=1
makes it exit at start with an error line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE: dict = {"task_id": None, "solved": False, "completed": False, "answer": None, "log": []}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        if self.path == "/":
            self._send(200, {"message": "Welcome to AppWorld Server!", "pid": os.getpid()})
        elif self.path == "/log":
            self._send(200, STATE["log"])
        else:
            self._send(404, {"detail": "Not Found"})

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])) or b"{}")
        STATE["log"].append([self.path, body])
        if self.path == "/initialize":
            STATE.update(task_id=body["task_id"], solved=False, completed=False, answer=None)
            out = {
                "task_id": body["task_id"],
                "instruction": f"Do {body['task_id']}.",
                "supervisor": {
                    "first_name": "Jo",
                    "last_name": "Re",
                    "email": "jo@x.com",
                    "phone_number": "555",
                },
                "datetime": "2023-05-18T12:00:00",
            }
            return self._send(200, {"output": out})
        if body.get("task_id") != STATE["task_id"]:
            return self._send(500, {"detail": "wrong task"})
        if self.path == "/execute":
            code = body["code"]
            if "SOLVE" in code:
                STATE["solved"] = True
            if "complete_task(" in code:
                STATE["completed"] = True
                STATE["answer"] = code
            if code.startswith("LONG "):
                return self._send(200, {"output": "x" * int(code.split()[1])})
            return self._send(200, {"output": f"ran: {code}"})
        if self.path == "/task_completed":
            return self._send(200, {"output": STATE["completed"]})
        if self.path == "/evaluate":
            passes = [{"requirement": "nothing else changed", "label": "no_op_pass"}]
            failures = []
            for name, ok in (("solved", STATE["solved"]), ("completed", STATE["completed"])):
                if ok:
                    passes.append({"requirement": name, "label": "no_op_fail"})
                else:
                    failures.append(
                        {"requirement": name, "trace": "AssertionError", "label": "no_op_fail"}
                    )
            out = {
                "success": not failures,
                "difficulty": 2,
                "num_tests": 3,
                "passes": passes,
                "failures": failures,
            }
            return self._send(200, {"output": out})
        if self.path == "/close":
            STATE["task_id"] = None
            return self._send(200, {"output": None})
        return self._send(404, {"detail": "Not Found"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if os.environ.get("FAKE_ENGINE_FAIL"):
        print("error: fake engine refused to start", flush=True)
        sys.exit(1)
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
