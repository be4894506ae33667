"""Budgets in the real flow. A 10,000-entry feed spread over many loopback hosts,
two small feeds and a host answering 429 with a Retry-After longer than a run waits, all on
real HTTP, a real DuckDB file and a real Prefect server: each run takes its budget, newest first
and shared across feeds, the rest waits, and in the end nothing is lost."""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import pytest

from devkit.archived import page_payloads
from wirehouse.flows.ingest import ingest
from wirehouse.records import RunSummary, deferred_until

# three flow runs in one module fixture, each parsing the 10,000-item feed
pytestmark = pytest.mark.timeout(900)

HUGE = 10_000
SMALL = 12
# the throttled host's Retry-After, longer than a run waits (`http.max_retry_after_s`, 1 s here)
# and short enough for the test to wait out before run 2
THROTTLE_S = 3
SLOW = 6
PAGE_HOSTS = 19  # ports serving the huge feed's pages, each its own host:port
T0 = datetime(2026, 11, 1, tzinfo=UTC)
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]


def words(seed: str, n: int) -> str:
    """n pseudo-words drawn by `seed`: every page's text is its own, so nothing is a copy."""
    rng = random.Random(seed)
    return " ".join(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(n)
    )


def page(key: str) -> bytes:
    title = words(key + "t", 6).capitalize()
    paragraphs = "".join(f"<p>{words(f'{key}-{j}', 45).capitalize()}.</p>" for j in range(4))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


@dataclass
class Feed:
    name: str
    links: list[tuple[str, datetime]]  # listed in this order

    def xml(self) -> bytes:
        # link and date only, like a real 519 KB feed of 10,000 entries: parsing is the
        # slow part of a run here (several seconds for 10,000 items on a busy machine)
        items = "".join(
            f"<item><link>{escape(url)}</link><pubDate>{format_datetime(when)}</pubDate></item>"
            for url, when in self.links
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>{self.name}</title><link>http://example.org/</link>"
            f"<description>{self.name}</description>{items}</channel></rss>"
        ).encode()


@dataclass
class Newsroom:
    """Ports on 127.0.0.1: [0] the feeds, [1..PAGE_HOSTS] pages, [-1] the throttled host."""

    servers: list[ThreadingHTTPServer] = field(default_factory=list)
    feeds: dict[str, Feed] = field(default_factory=dict)
    throttled: bool = True
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def origin(self, index: int) -> str:
        return f"http://127.0.0.1:{self.servers[index].server_address[1]}"

    def feed_url(self, name: str) -> str:
        return f"{self.origin(0)}/feeds/{name}.xml"

    def count(self, key: str) -> None:
        with self.lock:
            self.hits[key] = self.hits.get(key, 0) + 1


def make_handler(room: Newsroom, index: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if index == 0 and path.startswith("/feeds/"):
                room.count("feed")
                feed = room.feeds.get(path.removeprefix("/feeds/").removesuffix(".xml"))
                if feed is None:
                    return self.reply(404, b"")
                body = feed.xml()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self.reply(304, b"", {"ETag": etag})
                return self.reply(200, body, {"ETag": etag, "Content-Type": "application/rss+xml"})
            if path.startswith("/p/"):
                room.count(f"page:{index}")
                if index == len(room.servers) - 1 and room.throttled:
                    return self.reply(429, b"slow down", {"Retry-After": str(THROTTLE_S)})
                return self.reply(200, page(path), {"Content-Type": "text/html; charset=utf-8"})
            return self.reply(404, b"")

        def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def room() -> Iterator[Newsroom]:
    room = Newsroom()
    for index in range(PAGE_HOSTS + 2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(room, index))
        server.daemon_threads = True
        room.servers.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    huge = [
        (f"{room.origin(1 + i % PAGE_HOSTS)}/p/huge/{i}", T0 + timedelta(minutes=i))
        for i in range(HUGE)
    ]
    random.Random(12).shuffle(huge)  # listed in no order: the flow must sort newest first
    room.feeds["huge"] = Feed("huge", huge)
    for name in ("small1", "small2"):
        room.feeds[name] = Feed(
            name,
            [
                (f"{room.origin(1 + i % 3)}/p/{name}/{i}", T0 + timedelta(hours=i))
                for i in range(SMALL)
            ],
        )
    room.feeds["slow"] = Feed(
        "slow",
        [
            (f"{room.origin(PAGE_HOSTS + 1)}/p/slow/{i}", T0 + timedelta(days=i))
            for i in range(SLOW)
        ],
    )
    yield room
    for server in room.servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def runs(prefect_api, room, tmp_path_factory) -> Iterator[tuple[Path, list]]:
    """Three runs with 10 pages per feed and 25 per run: throttled host on in run 1 only."""
    db = tmp_path_factory.mktemp("budgets") / "w.duckdb"
    env = {
        "WIREHOUSE_BUDGET__MAX_ENTRIES_PER_FEED": "10",
        "WIREHOUSE_BUDGET__MAX_PAGES_PER_RUN": "25",
        "WIREHOUSE_HTTP__ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]',
        "WIREHOUSE_HTTP__PER_HOST_DELAY_S": "0",
        "WIREHOUSE_HTTP__MAX_RETRY_AFTER_S": "1",
        "WIREHOUSE_EXTRACT__WORKERS": "1",
        # parsing 10,000 items takes seconds on a busy machine: this test is about budgets
        "WIREHOUSE_EXTRACT__FEED_PARSE_TIMEOUT_S": "300",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        urls = [room.feed_url(n) for n in ("huge", "small1", "small2", "slow")]
        summaries = []
        snapshots = []
        for run in range(3):
            room.throttled = run == 0
            if run == 1:  # the small1 entries run 1 left for later drop off their feed
                small1 = room.feeds["small1"]
                small1.links = [(u, w) for u, w in small1.links if int(u.rsplit("/", 1)[1]) >= 6]
            if run == 1:  # the throttled host is asked again once the time it named is past
                _wait_out_deferrals(summaries[0])
            before = dict(room.hits)
            summaries.append(asyncio.run(ingest(feeds=urls, db=str(db))))
            snapshots.append(
                (stored(db), feeds(db), before, dict(room.hits), stored(db, pending=True))
            )
        yield db, list(zip(summaries, snapshots, strict=True))


def _wait_out_deferrals(summary: RunSummary) -> None:
    """Sleep until every deferral of a run is over (its times are whole seconds)."""
    times = [deferred_until(r.reason) for r in summary.rejected]
    until = max((t for t in times if t is not None), default=None)
    assert until is not None, "run 1 was deferred by the throttled host"
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds() + 1.0))


def stored(db: Path, *, pending: bool = False) -> dict[str, set[int]]:
    """The articles with their page's text, or (`pending`) those still waiting for it."""
    with duckdb.connect(str(db), read_only=True) as con:
        urls = [
            r[0]
            for r in con.execute(
                "SELECT url FROM articles WHERE (status = 'pending') = ?", [pending]
            ).fetchall()
        ]
    out: dict[str, set[int]] = {}
    for url in urls:
        _, feed, number = url.rsplit("/", 2)
        out.setdefault(feed, set()).add(int(number))
    return out


def feeds(db: Path) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT feed_url, etag, body_hash, deferred_entries, last_status FROM feeds"
        ).fetchall()
    return {r[0].rsplit("/", 1)[1].removesuffix(".xml"): r[1:] for r in rows}


def newest(n: int, *, skip: int = 0) -> set[int]:
    return set(range(HUGE - skip - n, HUGE - skip))


def test_run_one_takes_the_budget_newest_first_shared_across_feeds(runs):
    _, history = runs
    summary, (articles, state, _, _, waiting) = history[0]
    # 25 pages round-robin over four feeds: 7 + 6 + 6 + 6, the slow host's 6 deferred
    assert articles["huge"] == newest(7)
    assert articles["small1"] == set(range(6, 12)) and articles["small2"] == set(range(6, 12))
    assert "slow" not in articles
    assert summary.entries_deferred == (HUGE - 7) + 6 + 6 + SLOW
    # every deferred entry is an article at once, pending its page, title/link/date kept
    assert waiting["huge"] == set(range(HUGE)) - newest(7)
    assert waiting["small1"] == waiting["small2"] == set(range(6))
    assert waiting["slow"] == set(range(SLOW))
    # every feed with entries left has its validators cleared, so run 2 cannot get a 304
    for name in ("huge", "small1", "small2", "slow"):
        etag, body_hash, _, status = state[name]
        assert etag is None and body_hash is None and status == 200, name
    assert [state[n][2] for n in ("huge", "small1", "small2", "slow")] == [HUGE - 7, 6, 6, SLOW]


def test_a_host_with_a_long_retry_after_is_asked_once_and_deferred(runs):
    db, history = runs
    summary, (_, _, before, after, _) = history[0]
    slow_port = str(PAGE_HOSTS + 1)
    assert after.get(f"page:{slow_port}", 0) - before.get(f"page:{slow_port}", 0) <= 2
    reasons = [r.reason for r in summary.rejected if "/p/slow/" in r.url]
    assert len(reasons) == SLOW and all(
        r.startswith("deferred_retry_after:until=") for r in reasons
    )
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute(
            "SELECT count(*) FROM fetches WHERE url LIKE '%/p/slow/%'"
            " AND error LIKE 'deferred_retry_after:%'"
        ).fetchone()[0]
    assert logged == SLOW


def test_run_two_takes_the_next_ones_and_the_deferred_host(runs):
    _, history = runs
    _, (articles, state, _, _, _) = history[1]
    assert articles["huge"] == newest(14)
    # small1's first six left its feed before this run: fetched anyway, from the warehouse
    assert articles["small1"] == articles["small2"] == set(range(SMALL))
    assert articles["slow"] == set(range(SLOW))
    for name in ("small1", "small2", "slow"):  # caught up: validators kept, nothing deferred
        etag, body_hash, deferred, _ = state[name]
        assert etag is not None and body_hash is not None and deferred == 0, name
    assert state["huge"][0] is None and state["huge"][2] == HUGE - 14


def test_run_three_gets_304s_for_finished_feeds_and_the_rest_goes_on(runs):
    db, history = runs
    summary, (articles, state, _, _, waiting) = history[2]
    assert articles["huge"] == newest(24)  # the whole per-feed budget now that others are done
    assert {n: state[n][3] for n in ("small1", "small2", "slow")} == dict.fromkeys(
        ("small1", "small2", "slow"), 304
    )
    assert summary.feeds_not_modified == 3
    # nothing was lost or stored twice on the way
    with duckdb.connect(str(db), read_only=True) as con:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT url) FROM articles"
        ).fetchone()
    assert total == distinct == HUGE + 2 * SMALL + SLOW  # the huge feed's rest is pending
    assert sum(map(len, stored(db).values())) == 24 + 2 * SMALL + SLOW
    assert waiting == {"huge": set(range(HUGE)) - newest(24)}
    n = HUGE - 24
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "SELECT count(*), count(text), count(published_at), min(body_source),"
            " max(body_source) FROM articles WHERE status = 'pending'"
        ).fetchone() == (n, 0, n, "none", "none")


def test_each_stored_page_is_one_raw_payload_with_its_size(runs):
    db, _ = runs
    with duckdb.connect(str(db), read_only=True) as con:
        rows = page_payloads(con)
        pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
        assert con.execute(
            "SELECT count(*) FROM pages p JOIN raw_pages r USING (raw_hash)"
            " WHERE p.html_bytes <> r.html_bytes"
        ).fetchone() == (0,)
    assert len(rows) == pages == 24 + 2 * SMALL + SLOW
    for url, size, body in rows:
        assert size == len(body) > 0
        assert body == page("/" + url.split("/", 3)[3])  # what the server sent for that path
