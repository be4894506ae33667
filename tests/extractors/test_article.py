"""build_article merges page and feed; article_from_feed stands in when the page failed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from tests.extractors.conftest import FETCHED_AT, GOLD_PAGES
from wirehouse.extractors.article import article_from_feed, build_article
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.records import DateSource, Entry, Extracted, Page
from wirehouse.urls import normalise_url

URL = "https://paper.unseen.example/news/bakery-award?utm_source=rss"
ENTRY = Entry(
    feed_url="https://paper.unseen.example/rss",
    url=URL,
    url_key="https://paper.unseen.example/news/bakery-award",
    guid="tag:paper,2025:981",
    title="Feed title",
    summary="Feed summary.",
    content=None,
    published_at=datetime(2025, 4, 7, 16, 20, tzinfo=UTC),
    author="Feed Author",
    tags=("Food", "awards"),
)
PAGE = Page(ENTRY, URL, b"<html>...</html>", "text/html", FETCHED_AT)
EXTRACTED = Extracted(url=URL, text="Body text.\nSecond paragraph.")


def test_the_page_wins_where_it_says_something() -> None:
    extracted = dataclasses.replace(
        EXTRACTED,
        title="Page title",
        author="Page Author",
        canonical_url="HTTPS://Paper.Unseen.Example/news/bakery-award?utm_medium=x",
        tags=("food", "Bakeries"),
        page_date=datetime(2025, 4, 7, 15, 0, tzinfo=UTC),
        page_date_has_time=True,
        description="Page description",
        language="en",
        sitename="The Quarry Ledger",
        image="https://paper.unseen.example/i.jpg",
    )
    article = build_article(PAGE, extracted)
    assert article.title == "Page title" and article.author == "Page Author"
    assert article.published_at == datetime(2025, 4, 7, 15, 0, tzinfo=UTC)
    assert article.published_at_source is DateSource.PAGE
    assert article.canonical_url == extracted.canonical_url
    assert article.canonical_key == normalise_url(extracted.canonical_url or "")
    assert article.tags == ("food", "Bakeries", "awards")  # merged, case-insensitively unique
    assert (article.description, article.language, article.sitename) == (
        "Page description",
        "en",
        "The Quarry Ledger",
    )
    assert article.text == EXTRACTED.text and article.content_hash == content_hash(EXTRACTED.text)
    assert article.url == URL and article.entry is ENTRY and article.fetched_at == FETCHED_AT
    assert article.body_source == "page" and article.raw is None


def test_the_feed_fills_the_gaps() -> None:
    article = build_article(PAGE, EXTRACTED)
    assert article.title == "Feed title" and article.author == "Feed Author"
    assert article.description == "Feed summary."
    assert article.published_at == ENTRY.published_at
    assert article.published_at_source is DateSource.FEED
    assert article.canonical_url is None and article.canonical_key is None


def test_the_feed_adds_the_time_to_a_day_only_page_date() -> None:
    extracted = dataclasses.replace(EXTRACTED, page_date=datetime(2025, 4, 7, tzinfo=UTC))
    article = build_article(PAGE, extracted)
    assert (article.published_at, article.published_at_source) == (
        ENTRY.published_at,
        DateSource.FEED,
    )


def test_a_url_date_in_the_canonical_address_counts() -> None:
    entry = dataclasses.replace(ENTRY, published_at=None)
    page = dataclasses.replace(PAGE, entry=entry)
    extracted = dataclasses.replace(
        EXTRACTED, canonical_url="https://paper.unseen.example/2025/04/06/bakery-award"
    )
    article = build_article(page, extracted)
    assert article.published_at == datetime(2025, 4, 6, tzinfo=UTC)
    assert article.published_at_source is DateSource.URL


def test_an_unusable_canonical_url_gives_no_key() -> None:
    extracted = dataclasses.replace(EXTRACTED, canonical_url="ftp://paper.unseen.example/x")
    assert build_article(PAGE, extracted).canonical_key is None


def test_gold_page_articles_have_keys_and_hashes(extracted: dict) -> None:
    for gold in GOLD_PAGES:
        result = extracted[gold.name]
        article = build_article(gold.page(), result)
        if result.canonical_url:
            assert article.canonical_key == normalise_url(result.canonical_url)
        assert len(article.content_hash) == 32


def test_feed_fallback_uses_the_feeds_text() -> None:
    entry = dataclasses.replace(ENTRY, content="Full text\n\n from   the feed.", summary="Short.")
    article = article_from_feed(entry, reason="http_404", fetched_at=FETCHED_AT)
    assert article is not None
    assert article.body_source == "feed" and article.text == "Full text\nfrom the feed."
    assert article.content_hash == content_hash("Full text from the feed")
    assert article.title == "Feed title" and article.url == URL
    assert (article.published_at, article.published_at_source) == (
        ENTRY.published_at,
        DateSource.FEED,
    )
    assert article.canonical_key is None and article.fetched_at == FETCHED_AT


def test_feed_fallback_with_summary_only_and_no_date() -> None:
    entry = dataclasses.replace(
        ENTRY, url="https://paper.unseen.example/2025/04/05/x", published_at=None
    )
    article = article_from_feed(entry, reason="no_text", fetched_at=FETCHED_AT)
    assert article is not None and article.text == "Feed summary."
    assert article.published_at == datetime(2025, 4, 5, tzinfo=UTC)
    assert article.published_at_source is DateSource.URL


def test_no_feed_text_still_keeps_the_entry_as_an_article_without_text() -> None:
    entry = dataclasses.replace(ENTRY, summary=None, content="  \n ")
    article = article_from_feed(entry, reason="timeout", fetched_at=FETCHED_AT)
    assert (article.text, article.content_hash, article.body_source) == (None, None, "none")
    assert article.status == "page_failed:timeout"
    assert (article.title, article.url, article.author) == (ENTRY.title, ENTRY.url, ENTRY.author)
