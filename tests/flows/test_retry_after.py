"""A host that asks for a day's pause gets it: the run it answered defers its pages, and the
run right after it does not ask that host again, for a page, its robots.txt or a feed, before
the time it named. Real HTTP on loopback, a real DuckDB file and a real Prefect server."""

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
from wirehouse.flows.ingest import ingest
from wirehouse.records import RunSummary, deferred_until

PAGES = 3
DAY = {"Retry-After": "86400"}


class Site:
    """Two origins on 127.0.0.1. The feed is on [0]; the pages are on [1] (`apart`, `robots`)
    or beside the feed (`together`). Every page answers 503 for a day, and so does robots.txt
    in `robots` (the host's first answer is then robots.txt's)."""

    def __init__(self, layout: str) -> None:
        self.layout = layout
        self.pauser = 0 if layout == "together" else 1  # the host asking for a pause
        self.hits: Counter[tuple[int, str]] = Counter()
        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), self._handler(i)) for i in (0, 1)]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def origin(self, index: int) -> str:
        return f"http://127.0.0.1:{self.servers[index].server_address[1]}"

    def feed(self) -> bytes:
        items = "".join(
            f"<item><title>Report {i}</title><link>{self.origin(self.pauser)}/p/{i}</link>"
            f"<pubDate>{format_datetime(NOW)}</pubDate></item>"
            for i in range(PAGES)
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Wire</title>"
            f"<link>{self.origin(0)}/</link><description>Wire</description>{items}"
            "</channel></rss>"
        ).encode()

    def answer(self, index: int, path: str) -> tuple[int, bytes, dict[str, str]]:
        if index == 0 and path == "/feed.xml":
            return 200, self.feed(), {"Content-Type": "application/rss+xml"}
        if path.startswith("/p/") or (path == "/robots.txt" and self.layout == "robots"):
            return 503, b"back tomorrow", DAY
        return 404, b"", {}

    def _handler(self, index: int) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits[index, self.path] += 1
                status, body, headers = site.answer(index, self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        return Handler

    def asked(self) -> Counter[str]:
        """The paths the pausing host was asked for so far."""
        return Counter({p: n for (i, p), n in self.hits.items() if i == self.pauser})

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module", params=["apart", "robots", "together"])
def two_runs(
    request, prefect_api, tmp_path_factory
) -> Iterator[tuple[Site, Path, list[RunSummary], list[Counter[str]]]]:
    """Two ingest runs one right after the other; what the pausing host was asked after each."""
    site = Site(request.param)
    db = tmp_path_factory.mktemp("retry-after") / "w.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WIREHOUSE_HTTP__ALLOW_PRIVATE_HOSTS", '["127.0.0.1"]')
        mp.setenv("WIREHOUSE_HTTP__PER_HOST_DELAY_S", "0")
        mp.setenv("WIREHOUSE_EXTRACT__WORKERS", "1")
        summaries, asked = [], []
        for _ in range(2):
            summaries.append(asyncio.run(ingest(feeds=[f"{site.origin(0)}/feed.xml"], db=str(db))))
            asked.append(site.asked())
    site.close()
    yield site, db, summaries, asked


def test_the_answering_run_asks_once_and_defers_every_page(two_runs):
    site, _, (first, _), asked = two_runs
    pages = sum(n for path, n in asked[0].items() if path.startswith("/p/"))
    if site.layout == "robots":
        assert asked[0]["/robots.txt"] == 1 and pages == 0
    else:
        assert 1 <= pages <= 2  # two requests may be in flight before the first answer
    assert first.entries_deferred == PAGES and first.feeds_failed == 0
    untils = {deferred_until(r.reason) for r in first.rejected}
    assert len(untils) == 1 and None not in untils


def test_the_next_run_does_not_ask_the_host_before_its_time(two_runs):
    site, db, (first, second), asked = two_runs
    assert asked[1] == asked[0]  # not one request to the pausing host, of any kind
    assert second.entries_deferred == PAGES
    # a feed on the pausing host is not asked either, and not counted failed
    assert second.feeds_failed == 0
    assert second.feeds_fetched == (0 if site.layout == "together" else 1)
    assert {deferred_until(r.reason) for r in second.rejected} == {
        deferred_until(r.reason) for r in first.rejected
    }
    with duckdb.connect(str(db), read_only=True) as con:
        pending, logged, failures = con.execute(
            "SELECT (SELECT count(*) FROM articles WHERE status = 'pending'),"
            " (SELECT count(*) FROM fetches WHERE url LIKE '%/p/%'"
            "  AND starts_with(error, 'deferred_retry_after:until=')),"
            " (SELECT max(consecutive_failures) FROM feeds)"
        ).fetchone()
    assert pending == PAGES  # kept, waiting for their pages: not failed, not lost
    assert logged == 2 * PAGES  # each run's refusals are in the log, for the runs after
    assert failures == 0
