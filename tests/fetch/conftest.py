"""A real loopback HTTP server for fetcher tests: routes are plain functions of the handler.

Each server records what it received (path, headers, when) and how many requests it was
serving at once, so politeness is measured where it matters: at the server.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from wirehouse.config.settings import HttpSettings

Route = Callable[["Handler"], None]


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]
    started: float  # time.monotonic() when the handler began


@dataclass
class Tracker:
    """In-flight counting, shareable between servers to measure a global limit."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


class Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        srv = self.server.owner
        seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        with srv.lock:
            srv.seen.append(seen)
        self._tracked = [t for t in (srv.tracker, srv.shared) if t is not None]
        for tracker in self._tracked:
            tracker.enter()
        try:
            route = srv.routes.get(self.path.split("?", 1)[0])
            if route is None:
                self.reply(404, b"not found")
            else:
                route(self)
        finally:
            self._untrack()

    def _untrack(self) -> None:
        """Count the request as finished before its response leaves: once the client has the
        response it may send its next request, which another thread could count first."""
        while self._tracked:
            self._tracked.pop().leave()

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Send a complete response with a Content-Length (unless headers give one)."""
        self._untrack()
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    owner: LoopbackServer
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on tricklers and silent routes is the point of those tests


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 and an ephemeral port."""

    def __init__(self, shared: Tracker | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.tracker = Tracker()
        self.shared = shared
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"

    def route(self, path: str) -> Callable[[Route], Route]:
        def register(fn: Route) -> Route:
            self.routes[path] = fn
            return fn

        return register

    def hits(self, path: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path.split("?", 1)[0] == path]

    def close(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def make_server() -> Iterator[Callable[..., LoopbackServer]]:
    """Start as many loopback servers as a test needs; all are stopped afterwards."""
    servers: list[LoopbackServer] = []

    def make(shared: Tracker | None = None) -> LoopbackServer:
        server = LoopbackServer(shared)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def server(make_server: Callable[..., LoopbackServer]) -> LoopbackServer:
    return make_server()


def _fast_settings(**overrides: object) -> HttpSettings:
    values: dict[str, object] = {
        "connect_timeout_s": 1.0,
        "read_timeout_s": 2.0,
        "total_timeout_s": 3.0,
        "per_host_delay_s": 0.0,
        "per_host_connections": 4,
    }
    values.update(overrides)
    return HttpSettings.model_validate(values)


@pytest.fixture
def http_settings() -> Callable[..., HttpSettings]:
    """Factory of HttpSettings with test-sized timeouts and no politeness delay unless asked."""
    return _fast_settings


@pytest.fixture
def tracker() -> Tracker:
    """An in-flight counter to share between servers (global concurrency limit)."""
    return Tracker()
