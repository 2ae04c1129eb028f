"""A static file server on 127.0.0.1 (a free port) for the offline sites, in a thread."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


class SiteServer:
    """Serves `root` at http://127.0.0.1:<port>/ until `stop()` (or the `with` block ends)."""

    def __init__(self, root: str | Path, port: int = 0):
        self.root = Path(root)
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the site server is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> SiteServer:
        if self._httpd is None:
            handler = functools.partial(_QuietHandler, directory=str(self.root))
            self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
            self._httpd.daemon_threads = True
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="webvoyager-sites", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
