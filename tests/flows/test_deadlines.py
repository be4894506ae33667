"""Deadlines in the real ingest flow: a feed too slow to parse fails alone with
`parse_timeout`, and a run past `run_deadline_s` stops extracting, is recorded as aborted and
leaves the rest to the next run, which completes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest

from devkit.newsroom import Newsroom
from tests.reliability.conftest import assert_every_truth_article_loaded
from tests.reliability.hostile import HostileOutlet
from wirehouse.flows.ingest import ingest


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def room() -> Iterator[Newsroom]:
    with Newsroom(slow_seconds=0.3) as newsroom:
        yield newsroom


def huge_feed(items: int, link: str) -> bytes:
    """A valid RSS feed of many items (~200 bytes each): seconds of honest parsing."""
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    body = "".join(
        f"<item><title>Item {i}</title><link>{link}?i={i}</link><guid>{link}#{i}</guid>"
        f"<description>Text of item {i}</description>"
        f"<pubDate>{format_datetime(now - timedelta(seconds=i))}</pubDate></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
        f"<link>{link}</link>{body}</channel></rss>"
    ).encode()


def test_a_feed_too_slow_to_parse_fails_alone_and_the_run_completes(
    prefect_api, room, tmp_path, monkeypatch
):
    with HostileOutlet(slow=0, good=1) as outlet:
        big = huge_feed(20_000, outlet.url("good-0"))
        outlet.feed = lambda: big  # type: ignore[method-assign]
        monkeypatch.setenv("WIREHOUSE_EXTRACT__FEED_PARSE_TIMEOUT_S", "1")
        db = tmp_path / "wirehouse.duckdb"
        started = time.monotonic()
        summary = asyncio.run(ingest(feeds=[*room.feed_urls, outlet.feed_url], db=str(db)))
        took = time.monotonic() - started
    timed_out = [r.url for r in summary.rejected if r.reason.startswith("parse_timeout")]
    assert timed_out == [outlet.feed_url]  # and no feed of the newsroom
    assert query(db, "SELECT status FROM runs") == [("completed",)]
    errors = dict(query(db, "SELECT feed_url, last_error FROM feeds"))
    assert errors[outlet.feed_url] == "parse_timeout: over 1 s"
    # its bytes were never read: nothing may tell the next run they were (a 304, same hash)
    assert query(
        db, f"SELECT etag, last_modified, body_hash FROM feeds WHERE feed_url = '{outlet.feed_url}'"
    ) == [(None, None, None)]
    assert_every_truth_article_loaded(db, room)
    assert took < 300  # the slow feed did not hold the run (it alone takes far longer in full)


def test_a_run_past_its_deadline_is_aborted_and_the_next_run_loads_the_rest(
    prefect_api, room, tmp_path, monkeypatch
):
    db = tmp_path / "wirehouse.duckdb"
    # sixteen pages of ~12 s each (more on a busy machine) on two workers: at least 96 s of
    # work, so the bound below tells an abort at the deadline from a run that waited for them
    with HostileOutlet(slow=16, good=2) as outlet:
        feeds = [*room.feed_urls, outlet.feed_url]
        monkeypatch.setenv("WIREHOUSE_HTTP__TOTAL_TIMEOUT_S", "5")
        monkeypatch.setenv("WIREHOUSE_EXTRACT__PAGE_TIMEOUT_S", "600")
        monkeypatch.setenv("WIREHOUSE_RUN_DEADLINE_S", "15")
        watch = {"name": "harbour", "query": "harbour", "min_outlets": 1}
        monkeypatch.setenv("WIREHOUSE_WATCHES", json.dumps([watch]))
        started = time.monotonic()
        summary = asyncio.run(ingest(feeds=feeds, db=str(db)))
        took = time.monotonic() - started
        # the slow pages alone would keep the workers for minutes
        assert took < 15 + 45, took
        (status, error), *more = query(db, "SELECT status, error FROM runs")
        assert not more and status == "aborted", (status, error)
        assert error.startswith("run deadline of 15 s passed"), error
        assert summary.run_id == query(db, "SELECT run_id FROM runs")[0][0]
        # what it loaded is still announced: the watches ran (and search, if it loaded any)
        assert "watches" in summary.stage_seconds, summary.stage_seconds
        if summary.new_articles:
            assert "search_index" in summary.stage_seconds, summary.stage_seconds
        assert query(db, "SELECT count(*) FROM feeds") == [(0,)]  # validators not saved

        monkeypatch.setenv("WIREHOUSE_EXTRACT__PAGE_TIMEOUT_S", "1.5")
        monkeypatch.setenv("WIREHOUSE_RUN_DEADLINE_S", "2400")
        second = asyncio.run(ingest(feeds=feeds, db=str(db)))
    statuses = dict(query(db, "SELECT status, count(*) FROM runs GROUP BY ALL"))
    assert statuses == {"aborted": 1, "completed": 1}, statuses
    assert_every_truth_article_loaded(db, room)
    reasons = {r.url: r.reason for r in second.rejected}
    assert reasons[outlet.url("slow-0")] == "extract_timeout"
    assert reasons[outlet.url("slow-1")] == "extract_timeout"
    texts = dict(query(db, "SELECT url, length(text) FROM articles"))
    assert all(texts.get(outlet.url(f"good-{i}"), 0) > 500 for i in range(2)), texts
    stored = json.loads(query(db, "SELECT summary FROM runs WHERE status = 'completed'")[0][0])
    assert {r["reason"] for r in stored["rejected"]} >= {"extract_timeout"}


def test_entries_a_run_past_its_deadline_did_not_load_are_kept_and_fetched_next_run(
    prefect_api, tmp_path, monkeypatch
):
    """A feed that shows its items once: what the aborted run had not loaded is not lost."""
    db = tmp_path / "wirehouse.duckdb"
    with HostileOutlet(slow=6, good=3) as outlet:
        links = {outlet.url(name) for name in outlet.pages}
        monkeypatch.setenv("WIREHOUSE_HTTP__TOTAL_TIMEOUT_S", "5")
        monkeypatch.setenv("WIREHOUSE_EXTRACT__PAGE_TIMEOUT_S", "600")
        monkeypatch.setenv("WIREHOUSE_RUN_DEADLINE_S", "8")
        first = asyncio.run(ingest(feeds=[outlet.feed_url], db=str(db)))
        assert query(db, "SELECT status FROM runs") == [("aborted",)]
        kept = dict(query(db, "SELECT url, status FROM articles"))
        assert set(kept) == links, kept
        assert "pending" in kept.values(), kept
        assert first.entries_deferred == list(kept.values()).count("pending")

        # the feed now lists none of them
        outlet.feed = lambda: (  # type: ignore[method-assign]
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile Gazette</title>'
            b"</channel></rss>"
        )
        monkeypatch.setenv("WIREHOUSE_EXTRACT__PAGE_TIMEOUT_S", "1.5")
        monkeypatch.setenv("WIREHOUSE_RUN_DEADLINE_S", "2400")
        asyncio.run(ingest(feeds=[outlet.feed_url], db=str(db)))
    assert query(db, "SELECT status FROM runs ORDER BY started_at") == [
        ("aborted",),
        ("completed",),
    ]
    after = dict(query(db, "SELECT url, status FROM articles"))
    assert set(after) == links and "pending" not in after.values(), after
    texts = dict(query(db, "SELECT url, length(text) FROM articles"))
    assert all(texts[outlet.url(f"good-{i}")] > 500 for i in range(3)), texts
    assert after[outlet.url("slow-0")] == "page_failed:extract_timeout", after
