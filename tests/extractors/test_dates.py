"""The published-date rule, the timestamp parser and the page markup it reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import lxml.html
import pytest

from wirehouse.extractors.dates import (
    choose_published,
    find_modified_days,
    find_page_published,
    parse_timestamp,
    url_date,
)
from wirehouse.records import DateSource

SEEN = datetime(2025, 3, 18, 15, 0, tzinfo=UTC)
PAGE_TIME = datetime(2025, 3, 18, 9, 30, tzinfo=UTC)
PAGE_DAY = datetime(2025, 3, 18, tzinfo=UTC)
FEED = datetime(2025, 3, 18, 10, 5, tzinfo=UTC)
NO_DATE_URL = "https://news.example/story/abc"
DATED_URL = "https://news.example/2025/03/16/story"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# feed, page, page_has_time, url -> expected value, source
RULE_TABLE = [
    # 1. a page timestamp with a time of day wins over everything
    (FEED, PAGE_TIME, True, DATED_URL, PAGE_TIME, DateSource.PAGE),
    (None, PAGE_TIME, True, NO_DATE_URL, PAGE_TIME, DateSource.PAGE),
    # 2. the feed adds the time of day to a day-only page date of the same day ...
    (FEED, PAGE_DAY, False, DATED_URL, FEED, DateSource.FEED),
    # ... or ±1 day of it (time zones)
    (
        utc(2025, 3, 17, 23, 10),
        PAGE_DAY,
        False,
        NO_DATE_URL,
        utc(2025, 3, 17, 23, 10),
        DateSource.FEED,
    ),
    (
        utc(2025, 3, 19, 0, 30),
        PAGE_DAY,
        False,
        NO_DATE_URL,
        utc(2025, 3, 19, 0, 30),
        DateSource.FEED,
    ),
    # ... and stands alone when the page gave no date
    (FEED, None, False, DATED_URL, FEED, DateSource.FEED),
    # 3. a feed date days away from the page's day is a re-stamp: the page's day wins
    (utc(2025, 3, 10, 8, 0), PAGE_DAY, False, DATED_URL, PAGE_DAY, DateSource.PAGE),
    (None, PAGE_DAY, False, DATED_URL, PAGE_DAY, DateSource.PAGE),
    # 4. a date in the URL
    (None, None, False, DATED_URL, utc(2025, 3, 16), DateSource.URL),
    # 5. first seen
    (None, None, False, NO_DATE_URL, SEEN, DateSource.FIRST_SEEN),
    # implausible candidates are ignored: future (> first_seen + 1 day) ...
    (FEED, SEEN + timedelta(days=3), True, NO_DATE_URL, FEED, DateSource.FEED),
    (SEEN + timedelta(days=2), None, False, DATED_URL, utc(2025, 3, 16), DateSource.URL),
    (None, None, False, "https://news.example/2031/01/02/x", SEEN, DateSource.FIRST_SEEN),
    # ... but a few hours ahead is a clock skew, not a typo
    (
        SEEN + timedelta(hours=20),
        None,
        False,
        NO_DATE_URL,
        SEEN + timedelta(hours=20),
        DateSource.FEED,
    ),
    # ... and absurdly old
    (utc(1970, 1, 1), None, False, NO_DATE_URL, SEEN, DateSource.FIRST_SEEN),
    (FEED, utc(1989, 12, 31, 10, 0), True, NO_DATE_URL, FEED, DateSource.FEED),
    (None, None, False, "https://news.example/1985/05/05/x", SEEN, DateSource.FIRST_SEEN),
]


@pytest.mark.parametrize(("feed", "page", "has_time", "url", "value", "source"), RULE_TABLE)
def test_date_rule(feed, page, has_time, url, value, source) -> None:
    assert choose_published(
        feed=feed, page=page, page_has_time=has_time, url=url, first_seen=SEEN
    ) == (value, source)


def test_date_rule_returns_aware_utc_and_treats_naive_values_as_utc() -> None:
    paris = timezone(timedelta(hours=1))
    value, source = choose_published(
        feed=None,
        page=datetime(2025, 3, 18, 10, 30, tzinfo=paris),
        page_has_time=True,
        url=NO_DATE_URL,
        first_seen=SEEN,
    )
    assert (value, source) == (PAGE_TIME, DateSource.PAGE) and value.tzinfo is UTC
    value, source = choose_published(
        feed=datetime(2025, 3, 18, 10, 5), page=None, page_has_time=False, url="", first_seen=SEEN
    )
    assert value == FEED and value.tzinfo is not None


def test_a_day_only_page_date_is_midnight_utc_even_if_given_with_a_time() -> None:
    value, _ = choose_published(
        feed=None, page=utc(2025, 3, 18, 17, 45), page_has_time=False, url="", first_seen=SEEN
    )
    assert value == PAGE_DAY


@pytest.mark.parametrize(
    ("raw", "value", "has_time"),
    [
        ("2025-06-09T14:15:00-04:00", utc(2025, 6, 9, 18, 15), True),
        ("2025-06-09T14:15:00Z", utc(2025, 6, 9, 14, 15), True),
        ("2025-06-09T14:15:00.123456+0530", utc(2025, 6, 9, 8, 45), True),
        ("2025-06-09 14:15 +02:00", utc(2025, 6, 9, 12, 15), True),
        ("20250609T1415Z", utc(2025, 6, 9, 14, 15), True),
        ("Mon, 09 Jun 2025 14:15:00 -0400", utc(2025, 6, 9, 18, 15), True),
        ("2025-01-21T23:30:00-06:00", utc(2025, 1, 22, 5, 30), True),  # crosses the day
        # no UTC offset: which 14:15? only the day is trusted
        ("2025-06-09T14:15:00", utc(2025, 6, 9), False),
        ("2025-07-30 16:20", utc(2025, 7, 30), False),
        # CMSs write day-only dates as local midnight
        ("2025-06-09T00:00:00+02:00", utc(2025, 6, 9), False),
        ("2025-06-09", utc(2025, 6, 9), False),
        ("2025/06/09", utc(2025, 6, 9), False),
        (" 2025-06-09 ", utc(2025, 6, 9), False),
    ],
)
def test_parse_timestamp(raw: str, value: datetime, has_time: bool) -> None:
    parsed = parse_timestamp(raw)
    assert parsed is not None
    assert (parsed.value, parsed.has_time) == (value, has_time)
    assert parsed.value.tzinfo is UTC


@pytest.mark.parametrize("raw", ["", None, "yesterday", "2025-13-01", "2025-02-30", "12345", "n/a"])
def test_parse_timestamp_rejects_non_dates(raw: str | None) -> None:
    assert parse_timestamp(raw) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/2024/03/18/slug", utc(2024, 3, 18)),
        ("https://a.example/news/2024-03-18/slug", utc(2024, 3, 18)),
        ("https://a.example/sport/live/2025/may/11/marathon", utc(2025, 5, 11)),
        ("https://a.example/a/202508/19/WS66c2a1.html", utc(2025, 8, 19)),
        ("https://a.example/20240318/slug", utc(2024, 3, 18)),
        ("https://a.example/story/12345678/slug", None),
        ("https://a.example/2024/13/45/slug", None),
        ("https://a.example/news/story.php?id=20240318", None),
        ("", None),
    ],
)
def test_url_date(url: str, expected: datetime | None) -> None:
    assert url_date(url) == expected


def tree(head: str = "", body: str = "") -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


@pytest.mark.parametrize(
    ("head", "body", "value", "has_time"),
    [
        (
            '<meta property="article:published_time" content="2025-02-14T07:45:12+01:00">',
            "",
            utc(2025, 2, 14, 6, 45, 12),
            True,
        ),
        (
            '<script type="application/ld+json">{"@graph": [{"@type": "WebSite"}, '
            '{"@type": "NewsArticle", "datePublished": "2025-04-02T05:30:00Z", '
            '"dateModified": "2025-04-03T11:02:00Z"}]}</script>',
            "",
            utc(2025, 4, 2, 5, 30),
            True,
        ),
        # JSON-LD as CMSs wrap and label it: read like the headline and publisher are
        (
            '<script type="application/ld+json; charset=utf-8">//<![CDATA[\n'
            '[{"@type": "NewsArticle", "datePublished": "2025-04-02T05:30:00Z"}]\n//]]></script>',
            "",
            utc(2025, 4, 2, 5, 30),
            True,
        ),
        (
            '<script type="application/ld+json"><!-- {"@type": "Article", '
            '"datePublished": "2025-04-02T05:30:00Z"} --></script>',
            "",
            utc(2025, 4, 2, 5, 30),
            True,
        ),
        (
            "",
            '<span property="dc:date dc:created" content="2025-01-21T19:03:00-06:00">Tue</span>',
            utc(2025, 1, 22, 1, 3),
            True,
        ),
        (
            "",
            '<time pubdate datetime="2025-05-01T10:00:00+00:00">1 May</time>',
            utc(2025, 5, 1, 10),
            True,
        ),
        # a day-only meta date, then a time from another field: the time wins
        (
            '<meta name="date" content="2025-05-01"><meta itemprop="datePublished" '
            'content="2025-05-01T08:00:00+02:00">',
            "",
            utc(2025, 5, 1, 6),
            True,
        ),
        # the first plain <time> of the content; not the sidebar's, not the comments'
        (
            "",
            '<aside><time datetime="2025-05-09T10:00:00Z">x</time></aside>'
            '<div class="comments"><time datetime="2025-05-09T11:00:00Z">y</time></div>'
            '<article><time datetime="2025-05-08T07:00:00Z">8 May</time></article>',
            utc(2025, 5, 8, 7),
            True,
        ),
    ],
)
def test_find_page_published(head: str, body: str, value: datetime, has_time: bool) -> None:
    found = find_page_published(tree(head, body))
    assert found is not None and (found.value, found.has_time) == (value, has_time)


def test_modified_dates_are_never_taken_for_published_ones() -> None:
    page = tree(
        '<meta property="article:modified_time" content="2025-03-01T10:00:00+00:00">'
        '<script type="application/ld+json">{"@type": "BlogPosting", '
        '"dateModified": "2025-03-01T10:00:00Z"}</script>',
        '<time class="updated" datetime="2025-03-01T10:00:00Z">1 March</time>',
    )
    assert find_page_published(page) is None
    assert find_modified_days(page) == {utc(2025, 3, 1).date()}


def test_live_blog_updates_do_not_replace_the_posting_date() -> None:
    page = tree(
        '<script type="application/ld+json">{"@type": "LiveBlogPosting", '
        '"datePublished": "2025-05-11T07:58:00+01:00", "liveBlogUpdate": '
        '[{"@type": "BlogPosting", "datePublished": "2025-05-11T11:55:00+01:00"}]}</script>'
    )
    found = find_page_published(page)
    assert found is not None and found.value == utc(2025, 5, 11, 6, 58)


def test_broken_json_ld_is_skipped() -> None:
    page = tree(
        '<script type="application/ld+json">{"datePublished": </script>'
        '<meta property="article:published_time" content="2025-02-14T07:45:12Z">'
    )
    found = find_page_published(page)
    assert found is not None and found.value == utc(2025, 2, 14, 7, 45, 12)


@pytest.mark.parametrize(
    "meta",
    [
        '<meta http-equiv="Last-Modified" content="2025-03-02T10:00:00Z">',
        '<meta http-equiv=" last-modified\t" content="2025-03-02T10:00:00Z">',
        '<meta property="\nArticle:Modified_Time " content="2025-03-02T10:00:00Z">',
    ],
)
def test_a_modified_date_is_read_whatever_the_keys_case_and_spacing(meta: str) -> None:
    tree = lxml.html.fromstring(f"<html><head>{meta}</head><body><p>x</p></body></html>")
    assert find_modified_days(tree, []) == {date(2025, 3, 2)}
