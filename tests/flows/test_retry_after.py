"""A host that asks for a day's pause gets it: the run it answered defers its pages, and the
next run, an hour or a minute later, does not ask it again before the time it named. Real HTTP
on loopback, a real DuckDB file and a real Prefect server."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from tests.factories import NOW
from wirehouse.fetch.hosts import deferred_until
from wirehouse.flows.ingest import ingest

PAGES = 3


class Site:
    """Two origins on 127.0.0.1: [0] serves the feed, [1] answers 503 for a day to every page."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), self._handler()) for _ in range(2)]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def origin(self, index: int) -> str:
        return f"http://127.0.0.1:{self.servers[index].server_address[1]}"

    def feed(self) -> bytes:
        items = "".join(
            f"<item><title>Report {i}</title><link>{self.origin(1)}/p/{i}</link>"
            f"<pubDate>{format_datetime(NOW)}</pubDate></item>"
            for i in range(PAGES)
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Wire</title>"
            f"<link>{self.origin(0)}/</link><description>Wire</description>{items}"
            "</channel></rss>"
        ).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits[self.path] += 1
                if self.path == "/feed.xml":
                    return self._reply(200, site.feed(), {"Content-Type": "application/rss+xml"})
                if self.path.startswith("/p/"):
                    return self._reply(503, b"back tomorrow", {"Retry-After": "86400"})
                return self._reply(404, b"")

            def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        return Handler

    def page_hits(self) -> int:
        return sum(n for path, n in self.hits.items() if path.startswith("/p/"))

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def two_runs(prefect_api, tmp_path_factory) -> Iterator[tuple[Path, list, list[int]]]:
    """Two ingest runs one after the other; the page hits after each."""
    site = Site()
    db = tmp_path_factory.mktemp("retry-after") / "w.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WIREHOUSE_HTTP__ALLOW_PRIVATE_HOSTS", '["127.0.0.1"]')
        mp.setenv("WIREHOUSE_HTTP__PER_HOST_DELAY_S", "0")
        mp.setenv("WIREHOUSE_EXTRACT__WORKERS", "1")
        summaries, hits = [], []
        for _ in range(2):
            summaries.append(asyncio.run(ingest(feeds=[f"{site.origin(0)}/feed.xml"], db=str(db))))
            hits.append(site.page_hits())
    site.close()
    yield db, summaries, hits


def test_the_answering_run_asks_once_and_defers_every_page(two_runs):
    _, (first, _), hits = two_runs
    assert 1 <= hits[0] <= 2  # two requests may be in flight before the first answer
    assert first.entries_deferred == PAGES
    untils = {deferred_until(r.reason) for r in first.rejected}
    assert len(untils) == 1 and None not in untils


def test_the_next_run_does_not_ask_the_host_before_its_time(two_runs):
    db, (first, second), hits = two_runs
    assert hits[1] == hits[0]  # not one request to the paused host
    assert second.entries_deferred == PAGES
    assert {r.reason for r in second.rejected} == {r.reason for r in first.rejected}
    with duckdb.connect(str(db), read_only=True) as con:
        pending, logged = con.execute(
            "SELECT (SELECT count(*) FROM articles WHERE status = 'pending'),"
            " (SELECT count(*) FROM fetches WHERE url LIKE '%/p/%'"
            "  AND starts_with(error, 'deferred_retry_after:until='))"
        ).fetchone()
    assert pending == PAGES  # kept, waiting for their pages: not failed, not lost
    assert logged == 2 * PAGES  # each run's refusals are in the log, for the runs after
