"""The harness's MLflow server: started, used by two processes at once, stopped, and
never left behind (not even when the harness is killed outright)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from acon.servers import group_members
from acon.tracking.mlflow_server import TrackingServer
from acon.tracking.store import mlflow_client
from tests.support.processes import group_alive, kill_harness, wait_gone

LOGGER = textwrap.dedent("""
    import sys
    from mlflow import MlflowClient
    client = MlflowClient(tracking_uri=sys.argv[1])
    exp = client.get_experiment_by_name("shared").experiment_id
    run = client.create_run(exp, run_name=sys.argv[2]).info.run_id
    for step in range(30):
        client.log_metric(run, "score", step / 30, step=step)
    client.set_terminated(run)
""")


def test_two_processes_log_through_one_server_then_it_stops_cleanly(store, tmp_path):
    uri, artifacts = store
    server = TrackingServer(uri, artifacts, tmp_path / "server.log").start()
    group = server.pid
    try:
        assert server.uri.startswith("http://127.0.0.1:")
        assert len(group_members(group)) >= 2  # our wrapper and MLflow's uvicorn
        mlflow_client(server.uri).create_experiment("shared")
        env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
        writers = [
            subprocess.Popen([sys.executable, "-c", LOGGER, server.uri, f"writer-{i}"], env=env)
            for i in range(2)
        ]
        assert [w.wait(timeout=180) for w in writers] == [0, 0]
    finally:
        server.stop()
    assert not group_members(group) and server.pid is None

    client = mlflow_client(uri)  # the SQLite file holds both processes' runs
    exp = client.get_experiment_by_name("shared").experiment_id
    runs = client.search_runs([exp])
    assert sorted(r.info.run_name for r in runs) == ["writer-0", "writer-1"]
    for run in runs:
        assert len(client.get_metric_history(run.info.run_id, "score")) == 30


def test_a_harness_killed_outright_takes_its_server_with_it(store, tmp_path):
    uri, artifacts = store
    script = f"""
        import time
        from acon.tracking.mlflow_server import TrackingServer
        s = TrackingServer({uri!r}, None, {str(tmp_path / "server.log")!r}).start()
        print(s.pid, flush=True)
        time.sleep(600)
    """
    group = kill_harness(script, group_alive)
    assert wait_gone(group, group_alive), f"left behind: {group_members(group)}"
