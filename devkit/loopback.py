"""Small loopback sites for tests and evaluations: each its own origin on a free 127.0.0.1
port, answering every GET with a function of the request's path."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, str, bytes]  # status, Content-Type, body


def start_site(answer: Callable[[str], Answer]) -> ThreadingHTTPServer:
    """Serve `answer(path)` to every GET, in a daemon thread; stop it with `stop_sites`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            with contextlib.suppress(ConnectionError):  # a client that gave up on a slow page
                status, content_type, body = answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def base_of(server: ThreadingHTTPServer) -> str:
    """The site's origin, `http://127.0.0.1:<port>`."""
    return f"http://127.0.0.1:{server.server_address[1]}"


def stop_sites(servers: Iterable[ThreadingHTTPServer | None]) -> None:
    """Stop serving and close the sockets of every site started."""
    for server in servers:
        if server is not None:
            server.shutdown()
            server.server_close()
