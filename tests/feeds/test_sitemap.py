"""Sitemap documents to entries: the news extension, lastmod, indexes, gzip, and hostile input
that must come back as a clear error, quickly and in bounded memory."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import urllib.robotparser
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from wirehouse.feeds.sitemap import (
    SitemapLimits,
    is_site_address,
    parse_sitemap,
    read_sitemaps,
    sitemaps_in_robots,
)
from wirehouse.records import Fetched, FetchKind, deferral

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
URL = "https://news.example/sitemap.xml"


def fetched(body: bytes, url: str = URL, *, status: int = 200) -> Fetched:
    return Fetched(
        url=url,
        kind=FetchKind.SITEMAP,
        final_url=url,
        status=status,
        fetched_at=NOW,
        elapsed_ms=1.0,
        body=body,
    )


def parse(body: bytes, *, max_bytes: int = 10_000_000, max_urls: int = 50_000):
    return parse_sitemap(fetched(body), max_bytes=max_bytes, max_urls=max_urls)


def news_url(loc: str, *, date: str, title: str, name: str = "Example News") -> str:
    return (
        f"<url><loc>{loc}</loc><news:news><news:publication><news:name>{name}</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date>"
        f"<news:title>{title}</news:title><news:keywords>Port, Strike </news:keywords>"
        f"</news:news></url>"
    )


def test_a_news_sitemap_gives_title_date_outlet_and_keywords():
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{SM}" xmlns:news="{NEWS}">'
        + news_url(
            "https://news.example/a/1", date="2026-12-05T09:30:00+01:00", title="Dock &amp; port"
        )
        + news_url("/a/2", date="2026-12-04", title="<![CDATA[Strike <ends>]]>")
        + "</urlset>"
    ).encode()
    result = parse(body)
    assert result.error is None
    first, second = result.entries
    assert (first.url, first.title, first.feed_url) == (
        "https://news.example/a/1",
        "Dock & port",
        URL,
    )
    assert first.published_at == datetime(2026, 12, 5, 8, 30, tzinfo=UTC)
    assert first.feed_title == "Example News" and first.tags == ("Port", "Strike")
    # a relative <loc> resolves against the sitemap's address; CDATA is text
    assert second.url == "https://news.example/a/2" and second.title == "Strike <ends>"
    assert second.published_at == datetime(2026, 12, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    "opening",
    [
        f'<urlset xmlns="{SM}">',
        "<urlset>",  # no namespace at all
        '<urlset xmlns="http://www.google.com/schemas/sitemap/0.84">',  # an old namespace
        f'<sm:urlset xmlns:sm="{SM}">',
    ],
)
def test_an_ordinary_sitemap_gives_lastmod_as_the_update_date_whatever_its_namespace(opening):
    closing = "</sm:urlset>" if opening.startswith("<sm:") else "</urlset>"
    tag = "sm:" if opening.startswith("<sm:") else ""
    body = (
        f"{opening}<{tag}url><{tag}loc> https://news.example/old </{tag}loc>"
        f"<{tag}lastmod>2025-03-01T10:00:00Z</{tag}lastmod><{tag}priority>0.5</{tag}priority>"
        f"</{tag}url><{tag}url><{tag}loc>https://news.example/undated</{tag}loc></{tag}url>"
        f"{closing}"
    ).encode()
    result = parse(body)
    assert result.error is None
    dated, undated = result.entries
    assert dated.url == "https://news.example/old"
    assert dated.updated_at == datetime(2025, 3, 1, 10, tzinfo=UTC) and dated.published_at is None
    assert undated.updated_at is None and undated.title is None


def test_links_that_are_not_web_pages_and_dates_in_the_future_are_dropped():
    body = (
        f'<urlset xmlns="{SM}">'
        "<url><loc>javascript:alert(1)</loc></url><url><loc>ftp://x.example/f</loc></url>"
        "<url><lastmod>2026-01-01</lastmod></url>"
        "<url><loc>https://news.example/ok</loc><lastmod>2099-01-01</lastmod></url>"
        "</urlset>"
    ).encode()
    [entry] = parse(body).entries
    assert entry.url == "https://news.example/ok" and entry.updated_at is None


def test_an_index_lists_its_sitemaps_with_their_lastmod():
    body = (
        f'<sitemapindex xmlns="{SM}"><sitemap><loc>/s/1.xml.gz</loc>'
        "<lastmod>2026-11-30</lastmod></sitemap>"
        "<sitemap><loc>https://news.example/s/2.xml</loc></sitemap>"
        "<sitemap><loc>mailto:x@y</loc></sitemap></sitemapindex>"
    ).encode()
    result = parse(body)
    assert result.error is None and result.entries == ()
    assert result.children == (
        ("https://news.example/s/1.xml.gz", datetime(2026, 11, 30, tzinfo=UTC)),
        ("https://news.example/s/2.xml", None),
    )


def test_the_url_cap_keeps_the_first_pages_and_says_the_rest_were_not_read():
    body = (
        f'<urlset xmlns="{SM}">'
        + "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(50))
        + "</urlset>"
    ).encode()
    result = parse(body, max_urls=7)
    assert [e.url for e in result.entries] == [f"https://news.example/{i}" for i in range(7)]
    assert result.error is not None and result.error.startswith("url_limit:")


def test_a_full_sitemap_of_fifty_thousand_urls_is_read_whole():
    body = (
        f'<urlset xmlns="{SM}">'
        + "".join(
            f"<url><loc>https://news.example/p/{i}</loc><lastmod>2026-11-01</lastmod></url>"
            for i in range(50_000)
        )
        + "</urlset>"
    ).encode()
    result = parse(body)
    assert result.error is None
    assert [e.url for e in result.entries] == [f"https://news.example/p/{i}" for i in range(50_000)]


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;'
    '&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;'
    '&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;'
    '&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;'
    '&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>'
    f'<urlset xmlns="{SM}"><url><loc>https://news.example/&i;</loc></url></urlset>'
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BILLION_LAUGHS.encode(), "malformed"),
        # the same, padded and on many lines, as a feed-reader attack would be
        (
            BILLION_LAUGHS.replace("><!ENTITY", ">\n<!ENTITY").encode() + b" " * 2_000_000,
            "malformed",
        ),
        (b"<urlset><url><loc>https://news.example/1</loc></url><url><loc>", "malformed"),
        (
            b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</body></html>",
            "not_a_sitemap",
        ),
        (b'{"urls": ["https://news.example/1"]}', "not_a_sitemap"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "not_a_sitemap"),
        (b"   \n", "not_a_sitemap"),
        (b"<urlset>" + b" " * 12_000_000 + b"</urlset>", "too_large"),
    ],
    ids=[
        "billion-laughs",
        "billion-laughs-padded",
        "truncated",
        "html-page",
        "json",
        "rss",
        "empty",
        "oversized",
    ],
)
def test_hostile_or_wrong_documents_give_a_clear_error_fast(body, reason):
    started = time.monotonic()
    tracemalloc.start()
    try:
        result = parse(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error is not None and result.error.split(":")[0] == reason, result.error
    assert all("lol" not in e.url for e in result.entries)
    assert time.monotonic() - started < 10
    assert peak < 60_000_000  # a document costs the cap (10 MB here) and a copy, not gigabytes


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<urlset xmlns="{SM}"><url><loc>https://news.example/&x;</loc></url></urlset>'
    ).encode()
    result = parse(body)
    assert result.error is not None and result.error.startswith("malformed:")
    assert "TOP-SECRET" not in repr(result)


def test_the_robots_txt_sitemap_lines_are_read_in_order_and_resolved():
    rules = urllib.robotparser.RobotFileParser()
    rules.parse(
        [
            "User-agent: *",
            "Disallow: /private/",
            "",
            "Sitemap: https://news.example/news.xml",
            "sitemap: /index.xml",
            "Sitemap: javascript:x",
        ]
    )
    found = sitemaps_in_robots(rules, "https://news.example/robots.txt")
    assert found == ["https://news.example/news.xml", "https://news.example/index.xml"]
    # no rules (a robots.txt that was missing or unreadable) name no sitemap
    assert sitemaps_in_robots(None, "https://news.example/robots.txt") == []


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://news.example", True),
        ("https://news.example/", True),
        ("https://news.example/sitemap.xml", False),
        ("https://news.example/?page=2", False),
        ("https://news.example/news/", False),
    ],
)
def test_a_bare_address_is_a_site(url, site):
    assert is_site_address(url) is site


def walk(
    docs: dict[str, bytes],
    start: str,
    since: datetime | None = None,
    robots: list[str] | None = None,
    **limits: float,
):
    """`read_sitemaps` over `docs` (URL -> body; others are 404s), with generous limits; a
    site's robots.txt names the sitemaps `robots` lists. The walk itself is pure logic over
    the fetch function it is given; real HTTP is tests/flows/test_backfill.py's."""
    bounds = {"max_bytes": 10_000_000, "max_urls": 1000, "max_sitemaps": 100, "max_depth": 3}
    bounds |= {"deadline_s": 60.0, **limits}
    asked: list[str] = []

    async def fetch(url: str) -> Fetched:
        asked.append(url)
        body = docs.get(url)
        return fetched(body or b"", url, status=200 if body else 404)

    async def robots_sitemaps(site: str) -> list[str]:
        asked.append(site + "robots.txt")
        return list(robots or [])

    read = asyncio.run(
        read_sitemaps(start, fetch, robots_sitemaps, limits=SitemapLimits(**bounds), since=since)
    )
    return read, asked


def urlset(*locs: str, lastmod: str | None = None) -> bytes:
    stamp = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    items = "".join(f"<url><loc>{loc}</loc>{stamp}</url>" for loc in locs)
    return f'<urlset xmlns="{SM}">{items}</urlset>'.encode()


def index(*children: str) -> bytes:
    items = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return f'<sitemapindex xmlns="{SM}">{items}</sitemapindex>'.encode()


def test_a_walk_follows_indexes_once_each_and_lists_each_page_once_under_its_address():
    root = "https://news.example/index.xml"
    docs = {
        root: index(root, "https://news.example/a.xml", "https://news.example/b.xml"),
        "https://news.example/a.xml": urlset("https://news.example/1", "https://news.example/2"),
        "https://news.example/b.xml": urlset("https://news.example/2", "https://news.example/3"),
    }
    read, asked = walk(docs, root)
    assert [e.url for e in read.entries] == [f"https://news.example/{i}" for i in (1, 2, 3)]
    assert {e.feed_url for e in read.entries} == {root}
    assert sorted(asked) == sorted(docs) and read.rejected == []


def test_a_walk_stops_at_its_depth_its_sitemap_count_and_its_url_count():
    nested = {
        f"https://news.example/{d}.xml": index(f"https://news.example/{d + 1}.xml")
        for d in range(5)
    }
    read, asked = walk(nested, "https://news.example/0.xml", max_depth=2)
    assert len(asked) == 3 and [r.reason for r in read.rejected] == ["sitemap_too_deep"]

    wide = {
        "https://news.example/i.xml": index(*(f"https://news.example/{i}.xml" for i in range(50)))
    }
    wide |= {
        f"https://news.example/{i}.xml": urlset(f"https://news.example/p{i}") for i in range(50)
    }
    read, asked = walk(wide, "https://news.example/i.xml", max_sitemaps=10)
    assert len(asked) == 10 and len(read.entries) == 9
    assert [r.reason for r in read.rejected] == ["sitemap_limit: 41 more not read"]

    read, asked = walk(wide, "https://news.example/i.xml", max_urls=5)
    assert len(read.entries) == 5 and len(asked) == 6
    assert [r.reason for r in read.rejected] == ["url_limit: 45 more not read"]


def test_since_drops_old_pages_and_skips_old_child_sitemaps_but_keeps_undated_pages():
    root = "https://news.example/index.xml"
    docs = {
        root: (
            f'<sitemapindex xmlns="{SM}"><sitemap><loc>https://news.example/old.xml</loc>'
            "<lastmod>2026-01-01</lastmod></sitemap><sitemap>"
            "<loc>https://news.example/new.xml</loc><lastmod>2026-12-01</lastmod></sitemap>"
            "</sitemapindex>"
        ).encode(),
        "https://news.example/old.xml": urlset("https://news.example/o", lastmod="2026-01-01"),
        "https://news.example/new.xml": (
            urlset("https://news.example/n", lastmod="2026-12-01")[:-9]
            + b"<url><loc>https://news.example/u</loc></url>"
            + b"<url><loc>https://news.example/was</loc><lastmod>2026-02-01</lastmod></url>"
            + b"</urlset>"
        ),
    }
    read, asked = walk(docs, root, since=datetime(2026, 6, 1, tzinfo=UTC))
    assert [e.url for e in read.entries] == ["https://news.example/n", "https://news.example/u"]
    assert (read.undated, read.too_old) == (1, 2)  # the old sitemap and the February page
    assert "https://news.example/old.xml" not in asked


def test_a_site_address_reads_the_sitemaps_its_robots_txt_names_else_sitemap_xml():
    site = "https://news.example/"
    docs = {"https://news.example/news.xml": urlset("https://news.example/1")}
    read, asked = walk(docs, site, robots=["https://news.example/news.xml"])
    assert asked == ["https://news.example/robots.txt", "https://news.example/news.xml"]
    assert [e.feed_url for e in read.entries] == [site]
    read, asked = walk({}, site)
    assert asked == ["https://news.example/robots.txt", "https://news.example/sitemap.xml"]
    assert [r.reason for r in read.rejected] == ["http_404"]


def test_since_and_repeats_leave_pages_out_before_the_url_cap_counts_them():
    # WordPress lists the oldest first: the cap must not be spent on pages --since drops
    old = [f"https://s.example/old/{i}" for i in range(20)]
    new = [f"https://s.example/new/{i}" for i in range(10)]
    body = (
        urlset(*old, lastmod="2020-01-01")[:-9]
        + urlset(*new[:5], *new[:5], *new[5:], lastmod="2026-12-01")[
            len(f'<urlset xmlns="{SM}">') :
        ]
    )
    docs = {"https://s.example/sitemap.xml": body}
    read, _ = walk(
        docs, "https://s.example/sitemap.xml", since=datetime(2026, 11, 1, tzinfo=UTC), max_urls=10
    )
    assert [e.url for e in read.entries] == new
    assert read.too_old == 20 and read.rejected == [] and read.failed == []
    # past the cap, what is left is said to be left, and the sitemap is not a failed one
    read, _ = walk(
        docs, "https://s.example/sitemap.xml", since=datetime(2026, 11, 1, tzinfo=UTC), max_urls=4
    )
    assert [e.url for e in read.entries] == new[:4]
    assert [r.reason for r in read.rejected] == ["url_limit: more than 4 pages, the rest not read"]
    assert read.failed == []


def test_an_index_is_walked_newest_child_first_so_the_cap_takes_the_recent_pages():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    root = "https://s.example/index.xml"
    docs = {
        root: (
            f'<sitemapindex xmlns="{SM}">'
            + "".join(
                f"<sitemap><loc>https://s.example/{m}.xml</loc><lastmod>{m}-28</lastmod></sitemap>"
                for m in months
            )
            + "<sitemap><loc>https://s.example/undated.xml</loc></sitemap></sitemapindex>"
        ).encode()
    }
    for m in [*months, "undated"]:
        docs[f"https://s.example/{m}.xml"] = urlset(
            *(f"https://s.example/{m}/{i}" for i in range(3))
        )
    read, asked = walk(docs, root, max_urls=6)
    assert asked == [root, "https://s.example/2025-12.xml", "https://s.example/2025-11.xml"]
    assert {e.url.rsplit("/", 2)[1] for e in read.entries} == {"2025-12", "2025-11"}
    read, asked = walk(docs, root)
    assert asked[1:] == [f"https://s.example/{m}.xml" for m in [*reversed(months), "undated"]]


def test_links_to_other_sites_are_left_out_and_said_to_be():
    start = "https://www.news.example/"
    cdn = "https://cdn.example/sitemaps/news.xml"  # named by the site's robots.txt
    docs = {
        cdn: (
            urlset(
                "https://www.news.example/a",
                "https://news.example/b",  # the same site, without www.
                "https://cdn.example/c",  # the sitemap's own host
                "https://elsewhere.example/d",
                "http://news.example.evil.example/e",
            )[:-9]
            + b"</urlset>"
        ),
    }
    read, _ = walk(docs, start, robots=[cdn])
    assert [e.url for e in read.entries] == [
        "https://www.news.example/a",
        "https://news.example/b",
        "https://cdn.example/c",
    ]
    assert [(r.url, r.reason) for r in read.rejected] == [
        (cdn, "off_site: 2 links to other sites left out")
    ]
    assert read.failed == []
    # an index's children on another site are not fetched
    root = "https://news.example/index.xml"
    docs = {
        root: index("https://news.example/a.xml", "https://attacker.example/b.xml"),
        "https://news.example/a.xml": urlset("https://news.example/1"),
        "https://attacker.example/b.xml": urlset("https://attacker.example/2"),
    }
    read, asked = walk(docs, root)
    assert asked == [root, "https://news.example/a.xml"]
    assert [e.url for e in read.entries] == ["https://news.example/1"]
    assert [r.reason for r in read.rejected] == ["off_site: 1 links to other sites left out"]


def test_a_site_is_one_site_however_its_host_is_spelled():
    """Unicode or punycode (IDNA), upper case, a trailing dot, an explicit default port or a
    percent-encoded host: the same site's links are kept, and another site's still left out."""
    start = "https://bücher.example/"
    sitemap = "https://xn--bcher-kva.example/sitemap.xml"
    pages = [
        "https://xn--bcher-kva.example/a",
        "https://bücher.example/b",
        "https://BÜCHER.EXAMPLE./c",
        "https://www.xn--bcher-kva.example:443/d",
        "https://b%C3%BCcher.example/e",
    ]
    docs = {sitemap: urlset(*pages, "https://bucher.example/f")}
    read, asked = walk(docs, start, robots=[sitemap])
    assert asked == [start + "robots.txt", sitemap]
    assert [e.url for e in read.entries] == pages
    assert [r.reason for r in read.rejected] == ["off_site: 1 links to other sites left out"]
    # the sitemap's own host counts in either spelling too, and so do an index's children
    root = "https://BÜCHER.example/index.xml"
    child = "https://xn--bcher-kva.example/news.xml"
    docs = {root: index(child), child: urlset("https://bücher.example/g")}
    read, asked = walk(docs, root)
    assert asked == [root, child]
    assert [e.url for e in read.entries] == ["https://bücher.example/g"]
    assert read.rejected == []


def test_dates_without_a_zone_are_read_in_the_zone_given():
    body = urlset("https://news.example/t", lastmod="2026-12-01T09:00:00")
    tokyo = parse_sitemap(fetched(body), max_bytes=10**6, max_urls=10, zone=ZoneInfo("Asia/Tokyo"))
    assert tokyo.entries[0].updated_at == datetime(2026, 12, 1, 0, tzinfo=UTC)
    assert parse(body).entries[0].updated_at == datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_a_sitemap_whose_host_asked_for_a_pause_is_left_for_later_not_failed():
    """A deferred host's sitemap is rejected with the deferral's reason, as a feed is, but it
    is not a failed sitemap; one answering 404 is."""
    until = datetime(2031, 5, 1, tzinfo=UTC)
    start = "https://news.example/sitemap_index.xml"
    paused, gone = "https://news.example/paused.xml", "https://news.example/gone.xml"

    async def fetch(url: str) -> Fetched:
        if url == start:
            return fetched(index(paused, gone), url)
        if url == paused:  # as the fetcher refuses a deferred host's request, unsent
            return Fetched(url, FetchKind.SITEMAP, url, None, NOW, 0.0, error=deferral(until))
        return fetched(b"", url, status=404)

    async def no_robots(site: str) -> list[str]:
        return []

    limits = SitemapLimits(
        max_bytes=10_000, max_urls=100, max_sitemaps=10, max_depth=3, deadline_s=60.0
    )
    read = asyncio.run(read_sitemaps(start, fetch, no_robots, limits=limits, since=None))
    assert read.sitemaps == [start, paused, gone]
    assert read.failed == [gone]
    assert (paused, deferral(until)) in {(r.url, r.reason) for r in read.rejected}
