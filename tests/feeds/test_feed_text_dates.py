"""The two helpers behind Entry fields: feed HTML to plain text, feed date strings to UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirehouse.escape import plain_text
from wirehouse.feeds.dates import parse_feed_date
from wirehouse.feeds.text import html_to_text


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>One</p><p>Two</p>", "One\nTwo"),
        ("Hello <b>bold</b> world", "Hello bold world"),
        ("<b>Hello</b>world", "Helloworld"),
        ("line one<br>line two<br/>line three", "line one\nline two\nline three"),
        ("<ul><li>a</li><li>b</li></ul>after", "a\nb\nafter"),
        ("<p>x<script>alert(1)</script>y</p><style>p{}</style>", "xy"),
        ("<p>x<!-- hidden -->y</p>", "xy"),
        ("<p>x<?php echo 1 ?>y</p>", "xy"),
        ("<div>  lots   of\n\n spaces&nbsp;here </div>", "lots of spaces here"),
        ("Fish &amp; chips &lt;3", "Fish & chips <3"),
        ("<h2>Title</h2>Body text", "Title\nBody text"),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "a\nb"),
        ("<p></p><p>  </p>", None),
        ("", None),
        (None, None),
        ("just text", "just text"),
        ("<p>unclosed <b>tags", "unclosed tags"),
        ("a\x00b\x0c<p>c</p>", "ab\nc"),
    ],
)
def test_html_to_text(markup: str | None, expected: str | None) -> None:
    assert html_to_text(markup) == expected


def test_html_to_text_handles_deep_nesting() -> None:
    assert html_to_text("<div>" * 250 + "deep" + "</div>" * 250) == "deep"
    # beyond libxml2's depth limit (256) the text is lost, but nothing overflows or hangs
    start = time.perf_counter()
    assert html_to_text("<div>" * 50_000 + "deep" + "</div>" * 50_000) is None
    assert time.perf_counter() - start < 1.0


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_html_to_text_never_raises_and_leaves_no_tags(markup: str) -> None:
    text = html_to_text(markup)
    assert text is None or (text.strip() == text and "\n\n" not in text)


def test_plain_text_keeps_lines() -> None:
    assert plain_text("  a  b \n\n c\t") == "a b\nc"
    assert plain_text(" \n ") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 16 Mar 2026 10:00:00 +0200", datetime(2026, 3, 16, 8, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00 GMT", datetime(2026, 3, 16, 10, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00 CEST", datetime(2026, 3, 16, 8, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00 cet", datetime(2026, 3, 16, 9, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00 JST", datetime(2026, 3, 16, 1, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00 AEDT", datetime(2026, 3, 15, 23, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00 EST", datetime(2026, 3, 16, 15, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00 PDT", datetime(2026, 3, 16, 17, tzinfo=UTC)),
        ("Mon, 16 Mar 2026 10:00:00", datetime(2026, 3, 16, 10, tzinfo=UTC)),
        ("16 Mar 2026 10:00 +0530", datetime(2026, 3, 16, 4, 30, tzinfo=UTC)),
        ("  Mon,  16 Mar 2026\n 10:00:00 GMT ", datetime(2026, 3, 16, 10, tzinfo=UTC)),
        ("2026-03-16T10:00:00Z", datetime(2026, 3, 16, 10, tzinfo=UTC)),
        ("2026-03-16T10:00:00+01:00", datetime(2026, 3, 16, 9, tzinfo=UTC)),
        ("2026-03-16T10:00:00", datetime(2026, 3, 16, 10, tzinfo=UTC)),
        ("2026-03-16 10:00:00-0400", datetime(2026, 3, 16, 14, tzinfo=UTC)),
        ("2026-03-16", datetime(2026, 3, 16, tzinfo=UTC)),
        (
            "2026-03-16T10:00:00.123456789+00:00",
            datetime(2026, 3, 16, 10, 0, 0, 123456, tzinfo=UTC),
        ),
        ("Tue, 31 Feb 2026 10:00:00 GMT", None),
        ("2026-13-01", None),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_feed_date(raw: str | None, expected: datetime | None) -> None:
    assert parse_feed_date(raw) == expected


def test_feedparsers_reading_is_the_fallback() -> None:
    parsed = time.strptime("2026-03-16 10:00:00", "%Y-%m-%d %H:%M:%S")
    # a format only feedparser understands (its Korean, Greek, ... handlers)
    assert parse_feed_date("2026년 03월 16일", parsed) == datetime(2026, 3, 16, 10, tzinfo=UTC)
    assert parse_feed_date(None, parsed) == datetime(2026, 3, 16, 10, tzinfo=UTC)
    # the raw string wins where feedparser got the zone wrong
    assert parse_feed_date("Mon, 16 Mar 2026 10:00:00 CEST", parsed) == datetime(
        2026, 3, 16, 8, tzinfo=UTC
    )


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_parse_feed_date_never_raises_and_is_utc(raw: str) -> None:
    value = parse_feed_date(raw)
    assert value is None or value.tzinfo is UTC
