"""The newsroom's feeds: real RSS 2.0 / Atom / RSS 1.0 documents listing the truth articles."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
import httpx

from devkit.newsroom import Newsroom


def _parse(client: httpx.Client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200
    return feedparser.parse(response.content)


def _entry_time(entry: feedparser.FeedParserDict) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def _clean(url: str) -> str:
    return url.split("?", 1)[0]


def test_the_feeds_come_in_all_three_formats(newsroom: Newsroom, client: httpx.Client) -> None:
    versions = {_parse(client, url).version for url in newsroom.feed_urls}
    assert {"rss20", "atom10", "rss10"} <= versions


def test_every_outlet_is_its_own_loopback_origin(newsroom: Newsroom) -> None:
    origins = list(newsroom.origins.values())
    assert len(origins) >= 5
    assert len(set(origins)) == len(origins)
    assert all(urlsplit(origin).hostname == "127.0.0.1" for origin in origins)


def test_well_formed_feeds_parse_without_complaint(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    for url in newsroom.feed_urls:
        if url == newsroom.faults["broken_feed"]:
            continue
        parsed = _parse(client, url)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert 4 <= len(parsed.entries) <= 10, url


def test_entries_link_only_to_their_own_feeds_origin(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    for url in newsroom.feed_urls:
        origin = urlsplit(url).netloc
        for entry in _parse(client, url).entries:
            if "link" in entry:
                assert urlsplit(entry.link).netloc == origin, (url, entry.link)


def test_every_truth_article_is_listed_in_a_well_formed_feed(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    listed: set[str] = set()
    for url in newsroom.feed_urls:
        if url != newsroom.faults["broken_feed"]:
            listed |= {_clean(entry.link) for entry in _parse(client, url).entries}
    assert {article.url for article in newsroom.truth} <= listed


def test_feed_dates_agree_with_the_truth(newsroom: Newsroom, client: httpx.Client) -> None:
    truth = {article.url: article for article in newsroom.truth}
    checked = 0
    for url in newsroom.feed_urls:
        for entry in _parse(client, url).entries:
            article = truth.get(_clean(entry.get("link", "")))
            if article is None:
                continue
            assert _entry_time(entry) == article.published_at, article.url
            checked += 1
    assert checked >= len(truth)


def test_the_article_without_any_date_has_none_in_truth_and_feed(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    undated = [article for article in newsroom.truth if article.published_at is None]
    assert len(undated) == 1
    feed = next(url for url in newsroom.feed_urls if url.endswith(".rdf"))
    entry = next(e for e in _parse(client, feed).entries if e.link == undated[0].url)
    assert _entry_time(entry) is None


def test_entries_carry_guids_summaries_and_some_full_content(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    with_content = 0
    for url in newsroom.feed_urls:
        for entry in _parse(client, url).entries:
            if "link" not in entry:
                continue  # the truncated item of the broken feed
            assert entry.get("id"), entry.link
            assert entry.get("summary"), entry.link
            with_content += bool(entry.get("content"))
    assert with_content >= 3


def test_one_article_is_listed_twice_once_with_tracking_parameters(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    tracking = newsroom.faults["tracking_link"]
    feed = next(u for u in newsroom.feed_urls if urlsplit(u).netloc == urlsplit(tracking).netloc)
    links = [entry.link for entry in _parse(client, feed).entries]
    assert tracking in links
    assert _clean(tracking) in links
    assert "utm_source=" in tracking
    assert len({entry.id for entry in _parse(client, feed).entries}) == len(links)


def test_the_broken_feed_is_bozo_but_still_yields_entries(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    parsed = _parse(client, newsroom.faults["broken_feed"])
    assert parsed.bozo
    complete = [entry for entry in parsed.entries if "link" in entry]
    assert complete
    truth_urls = {article.url for article in newsroom.truth}
    assert all(_clean(entry.link) in truth_urls for entry in complete)


def test_feed_entries_for_the_missing_page_and_the_pdf_exist(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    links = {
        _clean(entry.get("link", ""))
        for url in newsroom.feed_urls
        for entry in _parse(client, url).entries
    }
    assert newsroom.faults["missing_page"] in links
    assert newsroom.faults["pdf"] in links
    assert newsroom.faults["slow_page"] in links
