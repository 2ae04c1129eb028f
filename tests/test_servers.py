"""The lifecycle every harness-started server shares, on a tiny stand-in server."""

from __future__ import annotations

import sys

import pytest

from acon.errors import AconError
from acon.servers import ManagedServer
from tests.support.processes import pid_alive


class HttpServer(ManagedServer):
    name = "The test server"
    health_path = "/"
    start_hint = "fix the test"
    timeout_hint = "raise the test's timeout"

    def __init__(self, log_path, argv=None, **kw):
        super().__init__(log_path, **kw)
        self.argv = argv

    def command(self, port):
        return self.argv or [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]


def test_started_on_a_free_local_port_healthy_then_stopped(tmp_path):
    with HttpServer(tmp_path / "s.log") as server:
        pid = server.pid
        assert server.url.startswith("http://127.0.0.1:") and server.healthy()
    assert server.pid is None and not server.healthy()
    assert server.exit_code is not None and not pid_alive(pid)
    server.stop()  # twice is harmless


def test_a_server_that_dies_at_start_is_one_sentence_quoting_its_log(tmp_path):
    argv = [sys.executable, "-c", "import sys; print('no such model file'); sys.exit(3)"]
    expected = r"The test server did not start \(see .*s\.log; last line: no such model file\)"
    with pytest.raises(AconError, match=expected + r": fix the test\."):
        HttpServer(tmp_path / "s.log", argv).start()


def test_a_server_that_never_answers_times_out_and_is_stopped(tmp_path):
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    server = HttpServer(tmp_path / "s.log", argv, startup_timeout_s=1)
    with pytest.raises(AconError, match="was not ready within 1 s .*raise the test's timeout"):
        server.start()
    assert server.pid is None
