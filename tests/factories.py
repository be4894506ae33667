"""Small builders for records, so tests state only what matters to them."""

from __future__ import annotations

from datetime import UTC, datetime

from wirehouse.records import Article, DateSource, Entry

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)


def entry(url: str, *, feed: str = "http://feeds.test/a.xml", guid: str | None = None) -> Entry:
    return Entry(feed_url=feed, url=url, url_key=url.split("?")[0].lower(), guid=guid, title="T")


def article(
    url: str,
    text: str,
    *,
    feed: str = "http://feeds.test/a.xml",
    canonical: str | None = None,
    content_hash: str | None = None,
    body_source: str = "page",
) -> Article:
    e = entry(url, feed=feed)
    return Article(
        entry=e,
        url=url,
        canonical_url=canonical,
        canonical_key=canonical,
        title="Title of " + url,
        text=text,
        content_hash=content_hash or f"h-{hash(text) & 0xFFFFFFFF:x}",
        published_at=NOW,
        published_at_source=DateSource.FEED,
        body_source=body_source,
        fetched_at=NOW,
    )
