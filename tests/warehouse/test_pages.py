"""Which stored articles `reextract` reads again: those with a page, but not one whose text is
its feed's when that feed's text is preferred."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from wirehouse.warehouse.pages import articles_with_pages

T0 = datetime(2026, 2, 1, 8, tzinfo=UTC)


def _article(con: duckdb.DuckDBPyConnection, aid: str, body_source: str, feed: str | None) -> None:
    url = f"http://news.test/{aid}"
    con.execute(
        "INSERT INTO articles (article_id, url, url_key, text, published_at_source,"
        " content_hash, body_source, version, first_seen_at, updated_at, last_fetched_at,"
        " status, feed_url) VALUES (?, ?, ?, 'a text', 'feed', ?, ?, 1, ?, ?, ?, 'ok', ?)",
        [aid, url, url, f"h-{aid}", body_source, T0, T0, T0, feed],
    )
    con.execute(
        "INSERT INTO pages (url, fetched_at, article_id, content_type, html_bytes, raw_hash)"
        " VALUES (?, ?, ?, 'text/html', 10, ?)",
        [url, T0, aid, f"sha256:{aid}"],
    )


def test_only_the_feed_text_of_a_preferred_feed_is_left_out(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _article(con, "a-page", "page", "http://news.test/feed")
    _article(con, "b-feed-text", "feed", "http://news.test/feed")
    _article(con, "c-other-feed", "feed", "http://other.test/feed")
    _article(con, "d-no-feed", "feed", None)  # a feed's text with no feed on record: kept

    everything = ["a-page", "b-feed-text", "c-other-feed", "d-no-feed"]
    assert articles_with_pages(con) == everything
    assert articles_with_pages(con, except_feed_text_of=["http://news.test/feed"]) == [
        "a-page",
        "c-other-feed",
        "d-no-feed",
    ]
