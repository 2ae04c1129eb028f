"""AppWorld's own environment server (`appworld serve environment`), bound to 127.0.0.1.

Run with the AppWorld virtual environment's Python (never imported by the harness):

    .venv-appworld/bin/python environments/appworld/engine/http_app.py --root ROOT --port PORT

`appworld serve environment` would serve the same FastAPI app but on 0.0.0.0; this
launcher changes the bind address, and exits at once on SIGTERM/SIGINT: a world freezes
time (freezegun patches time.monotonic too), so uvicorn's graceful shutdown, which waits
on asyncio timers, never ends once a task was loaded. The world's state is on disk after
every execute, so there is nothing to flush.
Routes: POST /initialize, /execute, /evaluate, /close, /close_all; GET / (health).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, help="the AppWorld root (holds data/)")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    if not os.path.isdir(os.path.join(root, "data")):
        sys.exit(f"no data/ in the AppWorld root {root}: run `appworld download data` there")
    os.environ["APPWORLD_ROOT"] = root
    import uvicorn
    from appworld import update_root
    from appworld.serve.environment import app

    class Server(uvicorn.Server):
        def install_signal_handlers(self) -> None:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: os._exit(0))

    update_root(root)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning")
    Server(config).run()


if __name__ == "__main__":
    main()
