"""Sitemap documents to entries: the news extension, lastmod, indexes, gzip, and hostile input
that must come back as a clear error, quickly and in bounded memory."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from wirehouse.feeds.sitemap import (
    SitemapLimits,
    is_site_address,
    parse_sitemap,
    read_sitemaps,
    sitemaps_in_robots,
)
from wirehouse.records import Fetched, FetchKind

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
URL = "https://news.example/sitemap.xml"


def fetched(body: bytes, url: str = URL, *, status: int = 200) -> Fetched:
    return Fetched(
        url=url,
        kind=FetchKind.FEED,
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


def test_a_gzipped_sitemap_is_read_like_a_plain_one():
    plain = f'<urlset xmlns="{SM}"><url><loc>https://news.example/z</loc></url></urlset>'.encode()
    assert parse(gzip.compress(plain)).entries == parse(plain).entries
    assert len(parse(gzip.compress(plain)).entries) == 1


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
        (b"\x1f\x8b\x08\x00garbage", "malformed"),
        (gzip.compress(b"<urlset>" + b" " * 300_000_000 + b"</urlset>"), "too_large"),
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
        "corrupt-gzip",
        "gzip-bomb",
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
    assert peak < 60_000_000  # a bomb costs the cap (10 MB here) and a copy, not gigabytes


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
    robots = (
        b"User-agent: *\nDisallow: /private/\n\nSitemap: https://news.example/news.xml\n"
        b"sitemap: /index.xml\nSitemap: javascript:x\n"
    )
    found = sitemaps_in_robots(fetched(robots, "https://news.example/robots.txt"))
    assert found == ["https://news.example/news.xml", "https://news.example/index.xml"]
    assert sitemaps_in_robots(fetched(b"", "https://news.example/robots.txt", status=404)) == []


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


def walk(docs: dict[str, bytes], start: str, since: datetime | None = None, **limits: float):
    """`read_sitemaps` over `docs` (URL -> body; others are 404s), with generous limits."""
    bounds = {"max_bytes": 10_000_000, "max_urls": 1000, "max_sitemaps": 100, "max_depth": 3}
    bounds |= {"deadline_s": 60.0, **limits}
    asked: list[str] = []

    async def fetch(url: str, kind: FetchKind) -> Fetched:
        asked.append(url)
        body = docs.get(url)
        return replace(fetched(body or b"", url, status=200 if body else 404), kind=kind)

    read = asyncio.run(read_sitemaps(start, fetch, limits=SitemapLimits(**bounds), since=since))
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
    docs = {
        "https://news.example/robots.txt": b"Sitemap: https://news.example/news.xml\n",
        "https://news.example/news.xml": urlset("https://news.example/1"),
    }
    read, asked = walk(docs, site)
    assert asked == ["https://news.example/robots.txt", "https://news.example/news.xml"]
    assert [e.feed_url for e in read.entries] == [site]
    read, asked = walk({}, site)
    assert asked == ["https://news.example/robots.txt", "https://news.example/sitemap.xml"]
    assert [r.reason for r in read.rejected] == ["http_404"]
