"""Which feed validators (ETag, Last-Modified, body hash) a run keeps, in a real DuckDB file: a
feed whose parse never finished keeps none, so the next run reads it again; a malformed feed
that parsed keeps them (the same bytes would fail the same way)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wirehouse.records import FeedOutcome, FeedSource, Fetched, FetchKind, ParsedFeed
from wirehouse.warehouse.runs import save_feed_outcomes

FEED = "https://paper.test/feed.xml"
T = datetime(2026, 12, 6, 9, tzinfo=UTC)


def save(con, n: int, *, error: str | None = None, unfinished: bool = False) -> None:
    fetched = Fetched(
        url=FEED,
        kind=FetchKind.FEED,
        final_url=FEED,
        status=200,
        fetched_at=T + timedelta(minutes=n),
        elapsed_ms=5.0,
        body=f"<rss>{n}</rss>".encode(),
        etag=f'"v{n}"',
        last_modified=f"Sun, 06 Dec 2026 09:0{n}:00 GMT",
    )
    parsed = ParsedFeed(
        feed_url=FEED, title="Paper", site_url=None, entries=(), error=error, unfinished=unfinished
    )
    outcome = FeedOutcome(FeedSource(url=FEED, name="paper"), fetched, parsed)
    save_feed_outcomes(con, [outcome], body_hashes={FEED: f"hash{n}"})


def validators(con) -> tuple:
    return con.execute("SELECT etag, last_modified, body_hash, last_error FROM feeds").fetchone()


@pytest.mark.parametrize(
    "error",
    [
        "parse_timeout: over 10 s",
        "parse_error: WorkerCrashed: the worker died 2 times",
        "parse_error: CallFailed: BrokenProcessPool",
    ],
)
def test_a_feed_whose_parse_never_finished_keeps_no_validators(con, error):
    save(con, 1)
    assert validators(con)[:3] == ('"v1"', "Sun, 06 Dec 2026 09:01:00 GMT", "hash1")
    save(con, 2, error=error, unfinished=True)
    assert validators(con) == (None, None, None, error)  # next run: a full GET, parsed again
    save(con, 3)
    assert validators(con) == ('"v3"', "Sun, 06 Dec 2026 09:03:00 GMT", "hash3", None)


@pytest.mark.parametrize(
    "error",
    [
        "malformed: not well-formed (invalid token)",
        "not_a_feed: an HTML page",
        "malformed: parser crashed: ValueError",
    ],
)
def test_a_malformed_feed_that_parsed_keeps_its_validators(con, error):
    save(con, 1)
    save(con, 2, error=error)
    assert validators(con) == ('"v2"', "Sun, 06 Dec 2026 09:02:00 GMT", "hash2", error)
