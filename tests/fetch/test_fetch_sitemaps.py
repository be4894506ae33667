"""Sitemaps through the fetcher on a real loopback server: their own size cap (a full sitemap is
larger than a feed may be), a gzipped sitemap file inflated under it, and robots.txt read once
for its `Sitemap:` lines and its rules together."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc

from tests.fetch.test_fetch_basics import fetch
from wirehouse.fetch import Fetcher
from wirehouse.records import FetchKind

SITEMAP = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    + b"".join(
        b"<url><loc>https://news.example/2024/05/01/a-typical-article-slug-number-%d</loc>"
        b"<lastmod>2024-05-01T10:00:00+00:00</lastmod></url>" % i
        for i in range(50_000)
    )
    + b"</urlset>"
)


def test_a_full_size_sitemap_gets_its_own_cap_not_the_feeds(server, http_settings):
    assert len(SITEMAP) > 6_000_000  # over http.feed_max_bytes (5 MB)
    server.routes["/sitemap.xml"] = lambda h: h.reply(200, SITEMAP, {"Content-Type": "text/xml"})
    args = {"settings": http_settings(), "operator_hosts": [server.netloc]}  # feeds: 5 MB
    url = server.url("/sitemap.xml")

    as_feed = fetch(args, url, kind=FetchKind.FEED)
    assert as_feed.error == f"too_large:content_length={len(SITEMAP)}"
    sitemap = fetch(args, url, kind=FetchKind.SITEMAP, max_bytes=10_000_000)
    assert sitemap.ok and sitemap.body == SITEMAP
    assert server.hits("/sitemap.xml")[-1].headers["accept"].startswith("application/xml")
    small = fetch(args, url, kind=FetchKind.SITEMAP, max_bytes=len(SITEMAP) - 1)
    assert small.error == f"too_large:content_length={len(SITEMAP)}"


def test_a_gzipped_sitemap_file_is_inflated_under_the_same_cap(server, http_settings):
    packed = gzip.compress(SITEMAP)
    assert len(packed) < 1_000_000
    gz = {"Content-Type": "application/x-gzip"}
    server.routes["/s.xml.gz"] = lambda h: h.reply(200, packed, gz)
    # gzip twice over: the file, and the transfer's Content-Encoding on top of it
    server.routes["/both.xml.gz"] = lambda h: h.reply(
        200, gzip.compress(packed), {**gz, "Content-Encoding": "gzip"}
    )
    bomb = gzip.compress(b"<urlset>" + b"\n" * 200_000_000, compresslevel=9)
    server.routes["/bomb.xml.gz"] = lambda h: h.reply(200, bomb, gz)
    server.routes["/corrupt.xml.gz"] = lambda h: h.reply(200, packed[:20] + b"\xff" * 40, gz)
    server.routes["/truncated.xml.gz"] = lambda h: h.reply(200, packed[:-30], gz)
    args = {"settings": http_settings(), "operator_hosts": [server.netloc]}

    for path in ("/s.xml.gz", "/both.xml.gz"):
        result = fetch(args, server.url(path), kind=FetchKind.SITEMAP, max_bytes=10_000_000)
        assert result.ok and result.body == SITEMAP, path
    tracemalloc.start()
    try:
        bombed = fetch(args, server.url("/bomb.xml.gz"), kind=FetchKind.SITEMAP, max_bytes=10**7)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert bombed.error == "too_large:>10000000" and bombed.body is None
    assert peak < 60_000_000  # the cap and a copy, not the 200 MB it inflates to
    for path in ("/corrupt.xml.gz", "/truncated.xml.gz"):
        result = fetch(args, server.url(path), kind=FetchKind.SITEMAP, max_bytes=10_000_000)
        assert result.error is not None and result.error.startswith("decoding_error:gzip"), path
    # a page or a feed that happens to be a gzip file is not unpacked
    page = fetch(args, server.url("/s.xml.gz"), kind=FetchKind.FEED)
    assert page.ok and page.body == packed


def test_robots_rules_are_fetched_once_for_their_sitemap_lines_and_the_pages(server, http_settings):
    robots = "\ufeffSitemap: /news.xml\nUser-agent: *\nDisallow: /private/\n".encode()
    server.routes["/robots.txt"] = lambda h: h.reply(200, robots, {"Content-Type": "text/plain"})
    server.routes["/a"] = lambda h: h.reply(200, b"<html>a</html>")

    async def go():
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            rules = await fetcher.robots_rules(server.url("/"))
            pages = [
                await fetcher.fetch(server.url(p), kind=FetchKind.PAGE, check_robots=True)
                for p in ("/a", "/private/b")
            ]
            return rules, pages

    rules, (allowed, disallowed) = asyncio.run(go())
    # a byte order mark does not hide the first line
    assert rules.parser is not None and rules.parser.site_maps() == ["/news.xml"]
    assert allowed.ok and disallowed.error == "robots_disallowed"
    assert len(server.hits("/robots.txt")) == 1
