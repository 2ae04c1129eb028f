"""The server manager with a stand-in engine: start, health, parallel pools, stops, orphans."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
import time

import pytest

from acon.errors import AconError
from environments.appworld.engine_servers import AppWorldServer, ServerPool
from tests.environments.appworld.conftest import FAKE_ENGINE
from tests.support.processes import kill_harness, pid_alive, wait_gone


def fake_server(tmp_path, name="s.log") -> AppWorldServer:
    return AppWorldServer(
        sys.executable, tmp_path, tmp_path / name, script=FAKE_ENGINE, startup_timeout_s=20
    )


def test_a_server_starts_on_loopback_answers_its_health_check_and_stops(tmp_path):
    with fake_server(tmp_path) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.healthy()
        pid = server.pid
        assert pid and pid_alive(pid)
    assert not pid_alive(pid)
    assert not server.healthy()


def test_a_pool_starts_several_servers_on_distinct_ports_and_lends_each_once(tmp_path):
    with ServerPool(2, sys.executable, tmp_path, tmp_path / "logs", script=FAKE_ENGINE) as pool:
        a, b = pool.acquire(timeout_s=1), pool.acquire(timeout_s=1)
        assert a is not b and a.port != b.port and a.healthy() and b.healthy()
        with pytest.raises(AconError, match="raise env.servers"):
            pool.acquire(timeout_s=0.1)
        pool.release(a)
        assert pool.acquire(timeout_s=1) is a
        pids = [s.pid for s in pool.servers]
    assert not any(pid_alive(p) for p in pids)
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == [
        "appworld-server-0.log",
        "appworld-server-1.log",
    ]


def test_a_server_started_from_a_short_lived_thread_outlives_the_thread(tmp_path):
    # PR_SET_PDEATHSIG fires when the forking *thread* ends: servers must not die with it.
    server = fake_server(tmp_path)
    worker = threading.Thread(target=server.start)
    worker.start()
    worker.join()
    try:
        time.sleep(0.5)
        assert server.healthy()
    finally:
        server.stop()


def test_a_server_that_cannot_start_is_reported_with_its_log_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_ENGINE_FAIL", "1")
    server = fake_server(tmp_path)
    with pytest.raises(AconError, match=r"did not start .*refused to start.*make setup"):
        server.start()
    assert server.pid is None


def test_a_killed_harness_leaves_no_server_behind(tmp_path):
    # A harness process starts a server, then is killed outright (no atexit, no finally).
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(os.getcwd())!r})
        from environments.appworld.engine_servers import AppWorldServer
        s = AppWorldServer({sys.executable!r}, {str(tmp_path)!r}, {str(tmp_path / "k.log")!r},
                           script={str(FAKE_ENGINE)!r}).start()
        print(s.pid, flush=True)
        time.sleep(60)
    """)
    assert wait_gone(kill_harness(script))
