"""A feed's `timezone` and its pages' dates: a timestamp without an offset is its wall time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from wirehouse.extractors.dates import PageDate, find_page_published, parse_timestamp

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-28T10:00:00", PageDate(utc(2026, 3, 28, 9), True)),  # CET
        ("2026-03-30T10:00:00", PageDate(utc(2026, 3, 30, 8), True)),  # CEST
        ("2026-03-30 10:00", PageDate(utc(2026, 3, 30, 8), True)),
        ("20260330T1000", PageDate(utc(2026, 3, 30, 8), True)),
        ("2026/10/24 10:00:00", PageDate(utc(2026, 10, 24, 8), True)),
        ("2026-10-26T10:00:00", PageDate(utc(2026, 10, 26, 9), True)),
        ("Mon, 30 Mar 2026 10:00:00", PageDate(utc(2026, 3, 30, 8), True)),
        # an offset wins over the feed list; a day or local midnight stays a day
        ("2026-03-30T10:00:00Z", PageDate(utc(2026, 3, 30, 10), True)),
        ("2026-03-30T10:00:00-04:00", PageDate(utc(2026, 3, 30, 14), True)),
        ("2026-03-30", PageDate(utc(2026, 3, 30), False)),
        ("2026-03-30T00:00:00", PageDate(utc(2026, 3, 30), False)),
    ],
)
def test_page_timestamps_without_offset_in_the_feed_zone(raw: str, expected: PageDate) -> None:
    assert parse_timestamp(raw, BERLIN) == expected


@pytest.mark.parametrize(
    "raw", ["2026-03-30T10:00:00", "2026-03-30 10:00", "Mon, 30 Mar 2026 10:00:00"]
)
def test_without_a_zone_they_stay_day_only(raw: str) -> None:
    assert parse_timestamp(raw) == PageDate(utc(2026, 3, 30), False)


def test_year_one_east_of_utc_is_no_date() -> None:
    assert parse_timestamp("0001-01-01T05:00:00", ZoneInfo("Asia/Tokyo")) is None


def test_the_page_reader_passes_the_zone_on() -> None:
    tree = html.fromstring(
        '<html><head><meta property="article:published_time" content="2026-10-26T10:00:00">'
        "</head><body><p>x</p></body></html>"
    )
    assert find_page_published(tree, zone=BERLIN) == PageDate(utc(2026, 10, 26, 9), True)
    assert find_page_published(tree) == PageDate(utc(2026, 10, 26), False)
