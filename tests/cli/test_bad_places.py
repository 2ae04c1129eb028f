"""A run folder that cannot be written, or a tracking port held by another program: one
sentence and exit code 2, never a traceback (real paths, a real listener)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.support import scripted_overrides


def acon_rollout(run: str, *overrides: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "acon.cli.rollout", f"hydra.run.dir={run}", *overrides]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)


def one_sentence(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    return (proc.stdout + proc.stderr).strip().splitlines()[-1]


@pytest.mark.parametrize("place", ["/proc/acon-run", "under-a-file"])
def test_a_run_folder_that_cannot_be_made(place, fake, tmp_path):
    if place == "under-a-file":
        (tmp_path / "a-file").write_text("x")
        place = str(tmp_path / "a-file" / "run")
    line = one_sentence(acon_rollout(place, *scripted_overrides(fake, tmp_path), "tracking=off"))
    assert f"Could not write {place}" in line and "hydra.run.dir" in line


def test_a_read_only_results_file_keeps_its_rows(fake, tmp_path):
    run = tmp_path / "run"
    common = [*scripted_overrides(fake, tmp_path), "tracking=off"]
    assert acon_rollout(str(run), *common, "rollout.limit=1").returncode == 0
    results = run / "results.jsonl"
    before = results.read_bytes()
    if os.geteuid() == 0:  # root writes through file modes: make it immutable instead
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", results]).returncode:
            pytest.skip("running as root without chattr: no file is read-only")
    else:
        results.chmod(0o444)
    try:
        line = one_sentence(acon_rollout(str(run), *common, "rollout.limit=2"))
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", results])
    assert f"Could not write {results}" in line
    assert results.read_bytes() == before


class _NotMlflow(BaseHTTPRequestHandler):
    """Another program's web service: 200 and HTML for every path, /health included."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"<html>some other service</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def test_a_tracking_port_held_by_another_program(fake, tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _NotMlflow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    uri = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        overrides = scripted_overrides(fake, tmp_path, "rollout.limit=1", "tracking=server")
        proc = acon_rollout(str(tmp_path / "run"), *overrides, f"tracking.uri={uri}")
    finally:
        server.shutdown()
        server.server_close()
    line = one_sentence(proc)
    assert f"The service at {uri} is not an MLflow tracking server" in line
    assert "tracking=off" in line
    assert Path(tmp_path / "run").is_dir()
