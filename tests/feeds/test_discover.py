"""Candidate feeds from a home page, and the check of a fetched candidate (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from wirehouse.feeds.discover import (
    MAX_CANDIDATES,
    Via,
    check_feed,
    common_paths,
    feed_links,
    is_comments_feed,
    same_items,
)
from wirehouse.records import Fetched, FetchKind

BASE = "https://outlet.test/section/page.html"
FIXTURES = Path(__file__).parent / "fixtures"


def page(head: str = "", body: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def urls(body: bytes, base: str = BASE) -> list[str]:
    return [c.url for c in feed_links(body, base_url=base)]


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/rss.xml", "https://outlet.test/rss.xml"),
        ("feed.xml", "https://outlet.test/section/feed.xml"),
        ("../atom.xml", "https://outlet.test/atom.xml"),
        ("//cdn.outlet.test/feeds/all.rss", "https://cdn.outlet.test/feeds/all.rss"),
        ("http://other.test/rss", "http://other.test/rss"),
        ("  /padded.rss\n", "https://outlet.test/padded.rss"),
        ("/feed.xml#top", "https://outlet.test/feed.xml"),
        ("HTTPS://Outlet.TEST/Feed", "https://Outlet.TEST/Feed"),  # host and path as written
    ],
)
def test_link_hrefs_resolve_against_the_page(href, expected):
    head = f'<link rel="alternate" type="application/rss+xml" href="{href}">'
    assert urls(page(head)) == [expected]


def test_base_element_wins_over_the_page_url():
    head = '<base href="https://static.outlet.test/en/"><link rel="alternate" '
    head += 'type="application/atom+xml" href="atom.xml">'
    assert urls(page(head)) == ["https://static.outlet.test/en/atom.xml"]


@pytest.mark.parametrize(
    "mime",
    [
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "APPLICATION/RSS+XML; charset=UTF-8",
    ],
)
def test_feed_types_are_candidates(mime):
    assert urls(page(f'<link rel="alternate" type="{mime}" href="/f">')) == [
        "https://outlet.test/f"
    ]


@pytest.mark.parametrize(
    "link",
    [
        # WordPress's REST API, on every page of a WordPress site
        '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">',
        '<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">',
        '<link rel="alternate" hreflang="fr" href="https://outlet.test/fr/">',
        '<link rel="alternate" type="text/html" href="/rss.xml">',
        '<link rel="stylesheet" type="text/css" href="/site.css">',
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">',
        '<link rel="alternate" type="application/rss+xml" href="mailto:feeds@outlet.test">',
        '<link rel="alternate" type="application/rss+xml" href="">',
        '<link rel="alternate" type="application/rss+xml">',
        '<link rel="alternate" type="application/rss+xml" href="http://outlet.test:99999/rss">',
        '<link rel="alternate" type="application/rss+xml" href="http://[::1/rss">',
    ],
)
def test_other_links_are_not_candidates(link):
    assert urls(page(link)) == []


def test_a_feed_link_looks_like_one_whatever_its_case_and_trailing_slash():
    body = (
        '<a href="/feed/">Subscribe</a><a href="/News/RSS.XML">News</a>'
        '<a href="/Feeds/Posts/Default/">Posts</a><a href="/?FEED=RSS2">rss2</a>'
        '<a href="/Feedback/">Feedback</a><a href="/atomic/">Atomic</a><a href="//">Home</a>'
    )
    head = '<link rel="alternate" href="/Sport/ATOM/">'  # no type: judged by its look too
    assert urls(page(head, body)) == [
        "https://outlet.test/Sport/ATOM/",
        "https://outlet.test/feed/",
        "https://outlet.test/News/RSS.XML",
        "https://outlet.test/Feeds/Posts/Default/",
        "https://outlet.test/?FEED=RSS2",
    ]


def test_rel_is_a_token_list_and_rel_feed_counts():
    head = (
        '<link rel="Alternate Home" type="application/rss+xml" href="/a.rss">'
        '<link rel="feed" href="/b">'
        '<link rel="alternate" href="/c/atom.xml">'  # no type: judged by its look
    )
    assert urls(page(head)) == [
        "https://outlet.test/a.rss",
        "https://outlet.test/b",
        "https://outlet.test/c/atom.xml",
    ]


def test_anchors_that_look_like_feeds_come_after_links():
    body = (
        '<a href="/about">About</a><a href="/feed">RSS</a><a href="/news/rss.xml">News RSS</a>'
        '<a href="/feeds/posts/default">Posts</a><a href="/press">Press</a>'
        '<a href="/feedback">Feedback</a>'
        '<a href="/?feed=rss2">rss2</a>'
    )
    head = '<link rel="alternate" type="application/atom+xml" href="/atom">'
    found = feed_links(page(head, body), base_url=BASE)
    assert [(c.url, c.via) for c in found] == [
        ("https://outlet.test/atom", Via.LINK),
        ("https://outlet.test/feed", Via.ANCHOR),
        ("https://outlet.test/news/rss.xml", Via.ANCHOR),
        ("https://outlet.test/feeds/posts/default", Via.ANCHOR),
        ("https://outlet.test/?feed=rss2", Via.ANCHOR),
    ]
    assert found[2].label == "News RSS"


def test_repeats_count_once_whatever_their_spelling():
    head = (
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml" title="RSS">'
        '<link rel="alternate" type="application/rss+xml" href="HTTPS://OUTLET.TEST:443/rss.xml">'
    )
    body = '<a href="/rss.xml?utm_source=footer">RSS</a>'
    found = feed_links(page(head, body), base_url=BASE)
    assert [(c.url, c.label) for c in found] == [("https://outlet.test/rss.xml", "RSS")]


def test_a_directory_of_feeds_is_capped():
    body = "".join(f'<a href="/feeds/{i}.rss">{i}</a>' for i in range(500))
    found = urls(page(body=body))
    assert len(found) == MAX_CANDIDATES
    assert found[0] == "https://outlet.test/feeds/0.rss"


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"\x00\xff\xfe binary", b"{}", b"<rss><channel></channel></rss>"],
)
def test_no_html_gives_no_candidates(body):
    assert urls(body) == []


def test_hostile_hrefs_and_titles_are_dropped_or_cut():
    long_href = "/" + "rss/" * 1000
    head = (
        f'<link rel="alternate" type="application/rss+xml" href="{long_href}">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        '<link rel="alternate" type="application/rss+xml" href="/a b\u202e.rss">'
        f'<link rel="alternate" type="application/rss+xml" href="/ok.rss" title="{"x" * 5000}">'
    )
    found = feed_links(page(head), base_url=BASE)
    # a space or a bidi mark in an href is a link a browser follows, percent-encoded
    assert [c.url for c in found] == [
        "https://outlet.test/a%20b%E2%80%AE.rss",
        "https://outlet.test/ok.rss",
    ]
    assert found[1].label is not None and len(found[1].label) <= 200


def test_common_paths_are_at_the_origin_root():
    paths = [c.url for c in common_paths("https://outlet.test/section/page.html")]
    assert "https://outlet.test/feed" in paths
    assert "https://outlet.test/feeds/posts/default" in paths
    assert all(c.via is Via.PATH for c in common_paths(BASE))


@pytest.mark.parametrize(
    ("url", "titles", "comments"),
    [
        ("https://o.test/comments/feed/", (), True),
        ("https://o.test/feed/", ("Outlet » Comments Feed",), True),
        ("https://o.test/feed/", (None, "Comments for Outlet"), True),
        ("https://o.test/feed/", ("Outlet » Feed", "Outlet"), False),
        ("https://o.test/commentsfeed/", ("Commentary",), False),
        ("https://o.test/feed/?q=comments", (), False),  # the query is not where it says so
    ],
)
def test_comments_feeds(url, titles, comments):
    assert is_comments_feed(url, *titles) is comments


def fetched(body: bytes, content_type: str | None = "application/xml") -> Fetched:
    return Fetched(
        url="https://outlet.test/feed",
        kind=FetchKind.FEED,
        final_url="https://outlet.test/feed",
        status=200,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        elapsed_ms=1.0,
        body=body,
        content_type=content_type,
    )


def test_check_feed_gives_the_newest_titles_first():
    items = "".join(
        f"<item><title>story {day}</title><link>https://outlet.test/{day}</link>"
        f"<pubDate>{day:02d} Dec 2025 10:00:00 +0000</pubDate></item>"
        for day in (3, 9, 1, 7)
    )
    body = f"<rss version='2.0'><channel><title>Outlet</title>{items}</channel></rss>".encode()
    checked = check_feed(fetched(body))
    assert checked.error is None
    assert checked.title == "Outlet"
    assert checked.entries == 4
    assert checked.latest == ("story 9", "story 7", "story 3")


def test_check_feed_of_an_empty_feed_is_a_feed():
    checked = check_feed(fetched((FIXTURES / "empty.xml").read_bytes()))
    assert checked.error is None and checked.entries == 0 and checked.latest == ()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ((FIXTURES / "html_page.html").read_bytes(), "not_a_feed: html page"),
        (b"just words, no markup", "not_a_feed"),
        (b"<rss version='2.0'><channel><title>cut off", "malformed"),
    ],
)
def test_check_feed_of_what_is_not_a_feed(body, error):
    checked = check_feed(fetched(body, "text/html"))
    assert checked.error is not None and checked.error.startswith(error)
    assert checked.latest == ()


def test_check_feed_of_a_json_feed_says_it_is_not_read():
    body = b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": []}'
    checked = check_feed(fetched(body, "application/feed+json"))
    assert checked.error is not None and checked.error.startswith("not_a_feed")


@pytest.mark.parametrize(
    ("body", "label"),
    [
        # UTF-8 without a declaration (lxml alone would read it as Latin-1)
        ('<html><head><link rel="alternate" type="application/rss+xml" href="/é.xml" '
         'title="café"></head></html>'.encode(), "café"),
        # XHTML that declares its encoding in an XML declaration
        ('<?xml version="1.0" encoding="utf-8"?><html><head><link rel="alternate" '
         'type="application/rss+xml" href="/é.xml" title="café"></head></html>'.encode(), "café"),
        # a legacy page that says so in its meta charset
        ('<html><head><meta charset="windows-1252"><link rel="alternate" '
         'type="application/rss+xml" href="/é.xml" title="café"></head></html>'.encode("cp1252"),
         "café"),
    ],
)  # fmt: skip
def test_pages_are_decoded_as_they_declare_or_as_utf8(body, label):
    (found,) = feed_links(body, base_url="https://outlet.test/")
    assert (found.url, found.label) == ("https://outlet.test/é.xml", label)


def test_check_feed_gives_the_entries_links_in_the_feeds_order():
    items = "".join(
        f"<item><title>{n}</title><link>{link}</link></item>"
        for n, link in enumerate(("https://Outlet.test/b?utm_source=rss", "/a", "/b#more"))
    )
    body = f"<rss version='2.0'><channel><title>O</title>{items}</channel></rss>".encode()
    checked = check_feed(fetched(body))
    # links as the warehouse keys them, once each
    assert checked.links == ("https://outlet.test/b", "https://outlet.test/a")


POSTS = tuple(f"https://outlet.test/post/{n}" for n in range(30, 0, -1))  # newest first


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (POSTS[:10], POSTS[:10], True),  # WordPress /feed/ and /feed/atom/
        (POSTS[:10], tuple(reversed(POSTS[:10])), True),  # another order
        (POSTS[:10], POSTS[:25], True),  # Blogger: RSS of 10, Atom of 25
        (("https://outlet.test/post/31", *POSTS[:9]), POSTS[:10], True),  # a post in between
        (POSTS[:3], ("https://outlet.test/post/31", *POSTS[:2]), False),  # one in three differs
        (POSTS[0:20:2], POSTS[:20], False),  # a section: every other post of the main feed
        (POSTS[10:20], POSTS[:20], False),  # older posts only
        ((), POSTS[:10], False),
        ((), (), False),  # empty feeds say nothing
    ],
)
def test_same_items(first, second, same):
    assert same_items(first, second) is same
    assert same_items(second, first) is same
