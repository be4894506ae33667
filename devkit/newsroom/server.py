"""The newsroom's HTTP side: one loopback server per outlet, conditional GET, a request log.

Each outlet listens on its own 127.0.0.1 port, so each is a separate origin, as the pipeline's
"a feed may only link to its own loopback host" rule expects.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from devkit.newsroom.model import TruthArticle
from devkit.newsroom.outlets import OUTLETS
from devkit.newsroom.site import LAST_EDITION, Resource, Site, build_site, fault_urls

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
_NOT_FOUND = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page not found'
    b"</title></head><body><h1>Page not found</h1><p>The page you asked for has been moved or "
    b"deleted.</p></body></html>\n"
)


class Newsroom:
    """Five invented outlets on loopback, their feeds and pages, and the truth about them.

    Use as a context manager, or `start()` then `stop()`. `advance()` publishes the next edition.
    """

    def __init__(self, *, slow_seconds: float = 2.0, port_base: int | None = None) -> None:
        self.slow_seconds = slow_seconds
        self._port_base = port_base
        self._servers: list[_OutletServer] = []
        self._threads: list[threading.Thread] = []
        self._origins: dict[str, str] = {}
        self._site: Site | None = None
        self._log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Newsroom:
        """Bind every outlet to 127.0.0.1 and serve edition 0 in background threads."""
        if self._servers:
            raise RuntimeError("the newsroom is already running")
        self._stopping.clear()
        try:
            for index, outlet in enumerate(OUTLETS):
                port = 0 if self._port_base is None else self._port_base + index
                server = _OutletServer((HOST, port), self, outlet.slug)
                self._servers.append(server)
                self._origins[outlet.slug] = server.origin
            self._site = build_site(0, self._origins)
        except BaseException:
            self._close_servers()
            raise
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"newsroom-{server.outlet}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        logger.info("newsroom started: %s", ", ".join(self._origins.values()))
        return self

    def stop(self) -> None:
        """Stop serving and release the ports; safe to call twice."""
        self._stopping.set()
        # shut the servers down in parallel: each shutdown() waits up to one poll interval
        running = self._servers[: len(self._threads)]  # shutdown() hangs on a server not serving
        stoppers = [threading.Thread(target=server.shutdown) for server in running]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers + self._threads:
            stopper.join(timeout=5)
        self._close_servers()
        self._threads.clear()

    def _close_servers(self) -> None:
        for server in self._servers:
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> Newsroom:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests and the demo read --------------------------------------------------------

    @property
    def origins(self) -> dict[str, str]:
        """Outlet name -> `http://127.0.0.1:PORT`."""
        self._require_site()
        return {outlet.name: self._origins[outlet.slug] for outlet in OUTLETS}

    @property
    def feed_urls(self) -> list[str]:
        """Every feed, including the broken one."""
        self._require_site()
        return [self._origins[o.slug] + spec.path for o in OUTLETS for spec in o.feeds]

    @property
    def truth(self) -> list[TruthArticle]:
        """Every article page of the current edition, as a perfect pipeline would see it."""
        return list(self._require_site().truth)

    @property
    def faults(self) -> dict[str, str]:
        """broken_feed, missing_page, slow_page, pdf and tracking_link URLs."""
        self._require_site()
        return fault_urls(self._origins)

    @property
    def edition(self) -> int:
        return self._require_site().edition

    def advance(self) -> None:
        """Publish the next edition: one article rewritten at its URL, one new article."""
        with self._lock:
            site = self._require_site()
            if site.edition >= LAST_EDITION:
                raise RuntimeError(f"the newsroom has no edition after {LAST_EDITION}")
            self._site = build_site(site.edition + 1, self._origins)
        logger.info("newsroom advanced to edition %d", site.edition + 1)

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, url, status) of every request served so far, oldest first."""
        with self._lock:
            return list(self._log)

    def write_feed_list(self, path: Path) -> Path:
        """Write the feeds as a wirehouse feed list (TOML) so `make demo` can ingest them."""
        self._require_site()
        lines = ["# Demo newsroom feeds, written by devkit.newsroom; ports change per run.", ""]
        for outlet in OUTLETS:
            for spec in outlet.feeds:
                tags = ", ".join(json.dumps(tag) for tag in spec.tags)
                lines += [
                    "[[feeds]]",
                    f"url = {json.dumps(self._origins[outlet.slug] + spec.path)}",
                    f"name = {json.dumps(spec.name or outlet.name, ensure_ascii=False)}",
                    "enabled = true",
                    f"tags = [{tags}]",
                ]
                if spec.interval_minutes is not None:
                    lines.append(f"interval_minutes = {spec.interval_minutes}")
                lines.append("")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    # --- used by the request handler ---------------------------------------------------------

    def _require_site(self) -> Site:
        site = self._site
        if site is None:
            raise RuntimeError("the newsroom is not running: call start() first")
        return site

    def _lookup(self, outlet: str, path: str) -> Resource | None:
        site = self._site
        return site.resources[outlet].get(path) if site is not None else None

    def _record(self, method: str, url: str, status: int) -> None:
        with self._lock:
            self._log.append((method, url, status))

    def _wait_slow(self) -> None:
        # an Event wait, not sleep, so stop() does not hang on a slow request
        self._stopping.wait(self.slow_seconds)


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], newsroom: Newsroom, outlet: str) -> None:
        self.newsroom = newsroom
        self.outlet = outlet
        super().__init__(address, _Handler)
        self.origin = f"http://{HOST}:{self.server_port}"


class _Handler(BaseHTTPRequestHandler):
    server: _OutletServer
    protocol_version = "HTTP/1.1"
    # buffer headers and body into one write (flushed per request) and send it at once:
    # separate small writes meet Nagle and delayed ACKs and cost ~40 ms a request
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server_version = "NewsdeskCMS/4.2"
    sys_version = ""

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, *, head: bool) -> None:
        newsroom = self.server.newsroom
        url = self.server.origin + self.path
        resource = newsroom._lookup(self.server.outlet, urlsplit(self.path).path or "/")
        if resource is None:
            status = 404
            self._send(404, _NOT_FOUND, "text/html; charset=utf-8", head=head)
        else:
            if resource.slow:
                newsroom._wait_slow()
            status = 304 if _not_modified(self.headers, resource) else 200
            self._send_resource(status, resource, head=head)
        newsroom._record(self.command, url, status)

    def _send_resource(self, status: int, resource: Resource, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("ETag", resource.etag)
        self.send_header("Last-Modified", format_datetime(resource.last_modified, usegmt=True))
        self.send_header("Cache-Control", "public, max-age=60")
        if status == 304:
            self.end_headers()
            return
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        self.end_headers()
        if not head:
            self.wfile.write(resource.body)

    def _send(self, status: int, body: bytes, content_type: str, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.server.outlet, format % args)


def _not_modified(headers: Message, resource: Resource) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison for If-None-Match."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or resource.etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is None:
        return False
    try:
        since: datetime = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return resource.last_modified.replace(microsecond=0) <= since
