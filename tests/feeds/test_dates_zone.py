"""A feed's `timezone`: dates written without a zone are its wall time, with its DST rules."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from wirehouse.extractors.dates import choose_published, parse_timestamp
from wirehouse.feeds.dates import parse_feed_date
from wirehouse.feeds.parse import parse_feed_bytes
from wirehouse.records import SourceRules

BERLIN = ZoneInfo("Europe/Berlin")  # CET (+1) until 29 March 2026 02:00, CEST (+2) until 25 Oct
NEW_YORK = ZoneInfo("America/New_York")  # EST (-5) until 8 March 2026 02:00, then EDT (-4)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "zone", "expected"),
    [
        # both sides of the spring change, ISO and RFC 822 alike
        ("2026-03-28T10:00:00", BERLIN, utc(2026, 3, 28, 9)),
        ("2026-03-30T10:00:00", BERLIN, utc(2026, 3, 30, 8)),
        ("Sat, 28 Mar 2026 10:00:00", BERLIN, utc(2026, 3, 28, 9)),
        ("Mon, 30 Mar 2026 10:00:00", BERLIN, utc(2026, 3, 30, 8)),
        # and of the autumn one
        ("2026-10-24 10:00", BERLIN, utc(2026, 10, 24, 8)),
        ("2026-10-26 10:00", BERLIN, utc(2026, 10, 26, 9)),
        # a wall time that never happened, and one that happened twice: the earlier offset
        ("2026-03-29T02:30:00", BERLIN, utc(2026, 3, 29, 1, 30)),
        ("2026-10-25T02:30:00", BERLIN, utc(2026, 10, 25, 0, 30)),
        ("Fri, 06 Mar 2026 09:15:00", NEW_YORK, utc(2026, 3, 6, 14, 15)),
        ("Mon, 09 Mar 2026 09:15:00", NEW_YORK, utc(2026, 3, 9, 13, 15)),
        # RFC 5322's "-0000" is Universal Time (only the sender's own zone is unknown)
        ("Mon, 30 Mar 2026 10:00:00 -0000", BERLIN, utc(2026, 3, 30, 10)),
        ("Mon, 30 Mar 2026 10:00:00 -0000 ", BERLIN, utc(2026, 3, 30, 10)),
        # a date that names its zone keeps it, whatever the feed list says
        ("2026-03-30T10:00:00Z", BERLIN, utc(2026, 3, 30, 10)),
        ("2026-03-30T10:00:00+05:30", BERLIN, utc(2026, 3, 30, 4, 30)),
        ("Mon, 30 Mar 2026 10:00:00 GMT", BERLIN, utc(2026, 3, 30, 10)),
        ("Mon, 30 Mar 2026 10:00:00 +0000", BERLIN, utc(2026, 3, 30, 10)),
        ("Mon, 30 Mar 2026 10:00:00 EDT", BERLIN, utc(2026, 3, 30, 14)),
        # without a zone in the feed list, as before: UTC
        ("2026-03-30T10:00:00", UTC, utc(2026, 3, 30, 10)),
        ("Mon, 30 Mar 2026 10:00:00", UTC, utc(2026, 3, 30, 10)),
    ],
)
def test_naive_feed_dates_are_read_in_the_feed_zone(
    raw: str, zone: ZoneInfo, expected: datetime
) -> None:
    assert parse_feed_date(raw, zone=zone) == expected


def test_the_default_zone_is_utc() -> None:
    assert parse_feed_date("Mon, 30 Mar 2026 10:00:00") == utc(2026, 3, 30, 10)


def test_the_parser_reads_entry_dates_in_the_zone() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>a</title><link>https://example.org/a</link>
      <pubDate>Sat, 28 Mar 2026 10:00:00</pubDate></item>
    <item><title>b</title><link>https://example.org/b</link>
      <pubDate>Mon, 30 Mar 2026 10:00:00</pubDate></item>
    </channel></rss>"""
    now = utc(2026, 12, 1)
    berlin = SourceRules(timezone="Europe/Berlin")
    zoned = parse_feed_bytes(feed, url="https://example.org/rss", now=now, rules=berlin)
    plain = parse_feed_bytes(feed, url="https://example.org/rss", now=now)
    assert [e.published_at for e in zoned.entries] == [utc(2026, 3, 28, 9), utc(2026, 3, 30, 8)]
    assert [e.published_at for e in plain.entries] == [utc(2026, 3, 28, 10), utc(2026, 3, 30, 10)]
    # the feed's rules are stamped on its entries where they are made
    assert {e.rules for e in zoned.entries} == {SourceRules(timezone="Europe/Berlin")}
    assert {e.rules for e in plain.entries} == {SourceRules()}


TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9: local midnight is the previous UTC day


@pytest.mark.parametrize("zone", [TOKYO, BERLIN, NEW_YORK, UTC])
@pytest.mark.parametrize(
    "raw", ["2026-10-25", "2026-10-25T00:00:00", "2026-10-25 00:00", "Sun, 25 Oct 2026 00:00:00"]
)
def test_a_date_without_a_time_of_day_is_the_day_it_names(raw: str, zone: ZoneInfo) -> None:
    assert parse_feed_date(raw, zone=zone) == utc(2026, 10, 25)


def test_a_zoned_feeds_day_only_date_does_not_override_the_pages_day() -> None:
    # the page says 25 October (day only); the feed's 25 October read at Tokyo midnight was
    # 24 October 15:00 UTC and won as the feed's "time of day"
    feed = parse_feed_date("2026-10-25", zone=TOKYO)
    page = parse_timestamp("2026-10-25", zone=TOKYO)
    assert page is not None and not page.has_time
    chosen, _ = choose_published(
        feed=feed,
        page=page.value,
        page_has_time=False,
        url="https://example.jp/news/a",
        first_seen=utc(2026, 11, 1),
    )
    assert chosen == utc(2026, 10, 25)


def test_a_time_of_day_in_the_zone_is_still_read_in_it() -> None:
    assert parse_feed_date("2026-10-25T00:30:00", zone=TOKYO) == utc(2026, 10, 24, 15, 30)
    assert parse_feed_date("2026-10-25T00:00:00+09:00", zone=UTC) == utc(2026, 10, 24, 15)
