"""HTTP client for AppWorld's environment server (its FastAPI app's routes and payloads).

Every route but the index answers `{"output": ...}`. The server holds one task world at a
time, addressed by its task id.
"""

from __future__ import annotations

from typing import Any

import httpx


class AppWorldServerError(RuntimeError):
    """The engine answered with an error (a bug or a broken world, not the agent's code:
    the agent's errors come back as normal execute output)."""


class AppWorldClient:
    def __init__(self, base_url: str, timeout_s: float = 600.0):
        # The first world in a server process imports every app (several seconds); an
        # execute can run up to AppWorld's own 100 s limit.
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def _post(self, route: str, payload: dict[str, Any]) -> Any:
        try:
            resp = self._http.post(route, json=payload)
        except httpx.HTTPError as exc:
            raise AppWorldServerError(f"{route} on {self.base_url} failed: {exc!r}") from exc
        if resp.status_code != 200:
            raise AppWorldServerError(
                f"{route} on {self.base_url} answered {resp.status_code}: {resp.text[:500]}"
            )
        return resp.json()["output"]

    def initialize(self, task_id: str, **options: Any) -> dict[str, Any]:
        """Load a fresh world for `task_id`; returns instruction, supervisor, datetime."""
        return self._post("/initialize", {"task_id": task_id, **options})

    def execute(self, task_id: str, code: str) -> str:
        """Run Python in the world (variables persist); returns its printed output."""
        return str(self._post("/execute", {"task_id": task_id, "code": code}))

    def task_completed(self, task_id: str) -> bool:
        return bool(self._post("/task_completed", {"task_id": task_id}))

    def evaluate(self, task_id: str) -> dict[str, Any]:
        """The task's tests on the world as it stands: success, difficulty, num_tests,
        passes and failures (requirement, trace, label)."""
        return self._post(
            "/evaluate", {"task_id": task_id, "suppress_errors": True, "report": False}
        )

    def close(self, task_id: str) -> None:
        self._post("/close", {"task_id": task_id})

    def shutdown(self) -> None:
        self._http.close()
