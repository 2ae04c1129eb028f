"""The process the harness starts for a tracking server (`python -m
acon.tracking.mlflow_server_process server --backend-store-uri ...`): MLflow's own CLI,
run in this process.

It leads its own process group (the harness starts it in a new session), and the kernel
sends it SIGTERM when the harness dies (PR_SET_PDEATHSIG, set before exec). MLflow's CLI
runs uvicorn as a child, so on SIGTERM this process ends its whole group: no server
outlives the harness, even one killed outright.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def _end_group(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the group signal below reaches us too
    os.killpg(os.getpgrp(), signal.SIGTERM)
    os._exit(128 + signum)


def main() -> None:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    signal.signal(signal.SIGTERM, _end_group)
    signal.signal(signal.SIGINT, _end_group)
    from mlflow.cli import cli

    cli.main(args=sys.argv[1:], prog_name="mlflow")


if __name__ == "__main__":
    main()
