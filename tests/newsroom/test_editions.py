"""Editions: advance() rewrites one article at its URL and publishes one new article."""

from __future__ import annotations

import feedparser
import httpx
import pytest

from devkit.newsroom import Newsroom


def _etags(client: httpx.Client, urls: list[str]) -> dict[str, str]:
    return {url: client.get(url).headers["etag"] for url in urls}


def test_advance_rewrites_one_article_at_the_same_url(
    fresh_newsroom: Newsroom, client: httpx.Client
) -> None:
    before = {article.url: article for article in fresh_newsroom.truth}
    fresh_newsroom.advance()
    updated = [article for article in fresh_newsroom.truth if article.kind == "updated"]
    assert len(updated) == 1
    article = updated[0]
    assert article.url in before
    assert article.paragraphs != before[article.url].paragraphs
    assert article.published_at == before[article.url].published_at
    html = client.get(article.url).text
    new = [p for p in article.paragraphs if p not in before[article.url].paragraphs]
    assert new and all(p.split(",")[0] in html for p in new)


def test_advance_publishes_one_new_article_in_a_feed(
    fresh_newsroom: Newsroom, client: httpx.Client
) -> None:
    before = {article.url for article in fresh_newsroom.truth}
    fresh_newsroom.advance()
    added = [article for article in fresh_newsroom.truth if article.url not in before]
    assert len(added) == 1
    links = {
        entry.get("link")
        for url in fresh_newsroom.feed_urls
        for entry in feedparser.parse(client.get(url).content).entries
    }
    assert added[0].url in links
    assert client.get(added[0].url).status_code == 200


def test_advance_changes_the_etag_of_the_updated_page_and_its_feed_only(
    fresh_newsroom: Newsroom, client: httpx.Client
) -> None:
    pages = [article.url for article in fresh_newsroom.truth]
    page_tags = _etags(client, pages)
    feed_tags = _etags(client, fresh_newsroom.feed_urls)
    feed_dates = {url: client.get(url).headers["last-modified"] for url in fresh_newsroom.feed_urls}
    fresh_newsroom.advance()
    updated = next(article.url for article in fresh_newsroom.truth if article.kind == "updated")
    changed_pages = [url for url, tag in _etags(client, pages).items() if tag != page_tags[url]]
    assert changed_pages == [updated]
    changed_feeds = [
        url
        for url, tag in _etags(client, fresh_newsroom.feed_urls).items()
        if tag != feed_tags[url]
    ]
    assert changed_feeds
    for url in changed_feeds:
        stale = client.get(url, headers={"If-None-Match": feed_tags[url]})
        assert stale.status_code == 200
        # a client that only sends If-Modified-Since must see the change too
        since = client.get(url, headers={"If-Modified-Since": feed_dates[url]})
        assert since.status_code == 200, url


def test_the_updated_entry_shows_a_new_updated_date_in_its_feed(
    fresh_newsroom: Newsroom, client: httpx.Client
) -> None:
    def updated_dates() -> dict[str, str]:
        return {
            # membership, not .get(): feedparser warns when "updated" falls back to "published"
            entry.link: entry["updated"] if "updated" in entry else ""  # noqa: SIM401
            for url in fresh_newsroom.feed_urls
            for entry in feedparser.parse(client.get(url).content).entries
            if "link" in entry
        }

    for _ in range(2):  # edition 1 updates an Atom entry, edition 2 an RSS 2.0 item
        before = updated_dates()
        fresh_newsroom.advance()
        after = updated_dates()
        updated = [article.url for article in fresh_newsroom.truth if article.kind == "updated"]
        assert any(after[url] != before[url] for url in updated)


def test_every_edition_has_an_update_and_an_addition_until_the_last(
    fresh_newsroom: Newsroom,
) -> None:
    seen_urls = {article.url for article in fresh_newsroom.truth}
    advanced = 0
    while True:
        try:
            fresh_newsroom.advance()
        except RuntimeError:
            break
        advanced += 1
        current = fresh_newsroom.truth
        assert sum(article.kind == "updated" for article in current) >= 1
        new = {article.url for article in current} - seen_urls
        assert len(new) == 1
        seen_urls |= new
    assert advanced >= 2
    assert fresh_newsroom.edition == advanced
    assert len(seen_urls) >= 20


def test_advancing_past_the_last_edition_is_an_error(fresh_newsroom: Newsroom) -> None:
    with pytest.raises(RuntimeError, match="no edition after"):
        for _ in range(10):
            fresh_newsroom.advance()
