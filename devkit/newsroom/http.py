"""The newsroom's one HTTP server: asyncio, HTTP/1.1 keep-alive, many loopback hosts at once.

Both newsrooms answer through it: the curated one (an origin per outlet, each on its own
127.0.0.1 port) and the generated one (hundreds of 127.77.x.y hosts on one port). A site is a
function from (origin, path) to a `Resource`; the server adds the validators, answers 304 to a
matching If-None-Match or If-Modified-Since, waits the resource's delay, and logs requests.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

_NOT_FOUND = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page not found'
    b"</title></head><body><h1>Page not found</h1><p>The page you asked for has been moved or "
    b"deleted.</p></body></html>\n"
)
_T = TypeVar("_T")


@dataclass(frozen=True)
class Resource:
    """One response: its validators and a body rendered only when a 200 needs it."""

    etag: str
    content_type: str
    render: Callable[[], bytes]
    last_modified: datetime | None = None
    slow: bool = False  # waits the server's slow_seconds first


Site = Callable[[str, str], Resource | None]  # (origin, path) -> resource, None for a 404


@dataclass
class Server:
    """Serves `site` on every (address, port) given to `listen`; `requests()` is the log."""

    site: Site
    latency_s: float = 0.0  # every request: a distant server's think time
    slow_seconds: float = 2.0
    name: str = "NewsdeskCMS/4.2"
    keep_log: bool = True
    _servers: list[asyncio.Server] = field(default_factory=list)
    _clients: set[asyncio.Task[None]] = field(default_factory=set)
    _log: list[tuple[str, str, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def listen(self, address: str, port: int) -> str:
        """Start listening; returns the origin (`http://address:port`, the real port)."""
        server = await asyncio.start_server(self._client, address, port)
        self._servers.append(server)
        return f"http://{address}:{server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        """Stop listening and end open connections, a slow answer's wait included."""
        for server in self._servers:
            server.close()
        for task in list(self._clients):
            task.cancel()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, url, status) of every request served so far, oldest first."""
        with self._lock:
            return list(self._log)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        address, port = writer.get_extra_info("sockname")[:2]
        origin = f"http://{address}:{port}"
        try:
            while await self._answer(origin, reader, writer):
                pass
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._clients.discard(task)
            writer.close()

    async def _answer(
        self, origin: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Read one request and answer it; False when the connection is to close."""
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = request_line.split(" ", 2)
        except ValueError:
            await self._write(writer, 400, {}, b"", head_only=False)
            return False
        headers = {}
        for line in lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        path = target.split("?", 1)[0].split("#", 1)[0] or "/"
        resource = self.site(origin, path) if method in ("GET", "HEAD") else None
        if method not in ("GET", "HEAD"):
            status, extra, body = 405, {"Allow": "GET, HEAD"}, b""
        elif resource is None:
            status, extra, body = 404, {"Content-Type": "text/html; charset=utf-8"}, _NOT_FOUND
        else:
            if resource.slow:
                await asyncio.sleep(self.slow_seconds)
            extra = {"ETag": resource.etag, "Cache-Control": "public, max-age=60"}
            if resource.last_modified is not None:
                extra["Last-Modified"] = format_datetime(resource.last_modified, usegmt=True)
            if not_modified(headers, resource):
                status, body = 304, b""
            else:
                status, body = 200, resource.render()
                extra["Content-Type"] = resource.content_type
        await self._write(writer, status, extra, body, head_only=method == "HEAD")
        if self.keep_log:
            with self._lock:
                self._log.append((method, origin + target, status))
        connection = headers.get("connection", "").lower()
        return connection != "close" and (version != "HTTP/1.0" or connection == "keep-alive")

    async def _write(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        head_only: bool,
    ) -> None:
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Server: {self.name}"]
        lines.append(f"Date: {format_datetime(datetime.now(UTC), usegmt=True)}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        writer.write(head if head_only else head + body)  # one write: headers never wait alone
        await writer.drain()


def not_modified(headers: Mapping[str, str], resource: Resource) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison for If-None-Match."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or resource.etag in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None or resource.last_modified is None:
        return False
    try:
        since: datetime = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return resource.last_modified.replace(microsecond=0) <= since


class LoopThread:
    """An event loop in a daemon thread, so a test or the CLI can run the server in-process."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, _T], timeout_s: float = 30.0) -> _T:
        """Run `coroutine` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
