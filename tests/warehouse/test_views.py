"""The question-answering views of migration 003, over rows loaded by the real loaders."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import duckdb

from tests.factories import article as make_article
from wirehouse.config.settings import DedupSettings
from wirehouse.records import Article, FeedOutcome, FeedSource, Fetched, FetchKind, ParsedFeed
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.runs import save_feed_outcomes

SETTINGS = DedupSettings()
T = datetime(2026, 3, 18, 12, tzinfo=UTC)


def art(
    url: str,
    text: str,
    *,
    at: datetime,
    title: str = "A headline",
    sitename: str | None = None,
    feed: str | None = None,
) -> Article:
    a = make_article(url, text, feed=feed or f"https://{url.split('/')[2]}/feed.xml")
    return dataclasses.replace(a, title=title, published_at=at, fetched_at=at, sitename=sitename)


def ingest(con: duckdb.DuckDBPyConnection, articles: list[Article], *, now: datetime) -> None:
    """The batch path of the ingest flow: exact, near, load, then fingerprints and stories."""
    with transaction(con):
        dedupe_and_load(con, "run", articles, settings=SETTINGS, now=now)


def test_latest_articles_is_newest_first_with_sitename_or_host_as_outlet(con):
    ingest(
        con,
        [
            art("https://www.alpha.test/a", "first text about rivers", at=T - timedelta(hours=2)),
            art("https://beta.test/b", "second text about mountains", at=T, sitename="Beta News"),
            art("https://gamma.test:8443/c", "third text about the sea", at=T - timedelta(days=1)),
        ],
        now=T,
    )
    rows = con.execute("SELECT outlet, url, published_at, story_id FROM latest_articles").fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        ("Beta News", "https://beta.test/b"),
        ("alpha.test", "https://www.alpha.test/a"),
        ("gamma.test:8443", "https://gamma.test:8443/c"),
    ]
    assert [r[2] for r in rows] == [T, T - timedelta(hours=2), T - timedelta(days=1)]
    assert all(r[3] is not None for r in rows)  # every article starts or joins a story


def test_outlet_coverage_counts_articles_per_outlet_per_utc_day(con):
    ingest(
        con,
        [
            art("https://alpha.test/1", "one story text", at=T),
            art("https://alpha.test/2", "another story text", at=T - timedelta(hours=11)),
            art("https://alpha.test/3", "a third story text", at=T - timedelta(hours=13)),
            art("https://beta.test/1", "beta story text", at=T, sitename="Beta"),
        ],
        now=T,
    )
    con.execute("SET TimeZone = 'America/New_York'")  # days stay UTC days
    rows = con.execute("SELECT day, outlet, articles FROM outlet_coverage").fetchall()
    day = T.date()
    assert rows == [
        (day, "alpha.test", 2),
        (day, "Beta", 1),
        (day - timedelta(days=1), "alpha.test", 1),
    ]


def test_daily_volume_separates_new_articles_from_duplicates(con):
    ingest(
        con,
        [art("https://alpha.test/1", "wire copy text", at=T - timedelta(days=1))],
        now=T - timedelta(days=1),
    )
    ingest(
        con,
        [
            art("https://beta.test/9", "wire copy text", at=T),  # exact copy of alpha's
            art("https://beta.test/10", "original beta text", at=T),
        ],
        now=T,
    )
    rows = con.execute(
        "SELECT day, urls_seen, new_articles, duplicates FROM daily_volume"
    ).fetchall()
    assert rows == [(T.date(), 2, 1, 1), (T.date() - timedelta(days=1), 1, 1, 0)]


def _outcome(feed: str, *, ok: bool, at: datetime, new_items: int = 0) -> FeedOutcome:
    fetched = Fetched(
        url=feed,
        kind=FetchKind.FEED,
        final_url=feed,
        status=200 if ok else 503,
        fetched_at=at,
        elapsed_ms=5.0,
        body=b"<rss/>" if ok else None,
        error=None if ok else "http_503",
    )
    parsed = ParsedFeed(feed_url=feed, title="Feed " + feed, site_url=None, entries=())
    return FeedOutcome(FeedSource(url=feed, name=feed.split("/")[2]), fetched, parsed, new_items)


def test_feed_health_reports_failures_items_per_day_and_silence(con):
    now = datetime.now(UTC)
    live, broken = "https://live.test/feed.xml", "https://broken.test/feed.xml"
    for days in (10, 2, 1):  # first seen 10, 2 and 1 days ago
        at = now - timedelta(days=days)
        ingest(con, [art(f"https://live.test/{days}", f"text {days}", at=at, feed=live)], now=at)
    save_feed_outcomes(
        con,
        [
            _outcome(live, ok=True, at=now - timedelta(days=20)),
            _outcome(broken, ok=True, at=now - timedelta(days=3)),
        ],
        body_hashes={},
    )
    for hours in (2, 1):
        save_feed_outcomes(
            con,
            [
                _outcome(live, ok=True, at=now - timedelta(hours=hours)),
                _outcome(broken, ok=False, at=now - timedelta(hours=hours)),
            ],
            body_hashes={},
        )
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT name, consecutive_failures, items_7d, items_per_day, last_success_at,"
            " silent_for FROM feed_health"
        ).fetchall()
    }
    failures, items, per_day, last_ok, silent = rows["broken.test"]
    assert (failures, items, per_day) == (2, 0, 0)
    assert last_ok == now - timedelta(days=3)
    assert timedelta(days=3) <= silent < timedelta(days=3, minutes=5)  # since its last success
    failures, items, per_day, last_ok, silent = rows["live.test"]
    assert (failures, items, per_day) == (0, 2, round(2 / 7, 2))  # the 10-day-old one is out
    assert timedelta(days=1) <= silent < timedelta(days=1, minutes=5)  # since its last item
    assert list(rows) == ["broken.test", "live.test"]  # failing feeds first
