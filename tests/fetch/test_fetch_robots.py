"""robots.txt: fetched once per origin, obeyed for 'wirehouse', Crawl-delay honoured."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from wirehouse.fetch import Fetcher
from wirehouse.fetch.robots import rules_from
from wirehouse.records import Fetched, FetchKind

ROBOTS = b"""
User-agent: *
Disallow: /

User-agent: wirehouse
Disallow: /private
"""


def pages(settings, server, paths: list[str]) -> list[Fetched]:
    async def go() -> list[Fetched]:
        async with Fetcher(settings, operator_hosts=[server.netloc]) as fetcher:
            results = await asyncio.gather(
                *(
                    fetcher.fetch(server.url(p), kind=FetchKind.PAGE, check_robots=True)
                    for p in paths
                )
            )
            return list(results)

    return asyncio.run(go())


def test_robots_disallow_obeyed_and_fetched_once(server, http_settings):
    server.routes["/robots.txt"] = lambda h: h.reply(200, ROBOTS, {"Content-Type": "text/plain"})
    for path in ("/news/1", "/news/2", "/news/3", "/private/x"):
        server.routes[path] = lambda h: h.reply(200, b"<html>story</html>")
    results = pages(http_settings(), server, ["/news/1", "/news/2", "/private/x", "/news/3"])
    assert [r.error for r in results] == [None, None, "robots_disallowed", None]
    assert results[2].status is None and results[2].body is None
    assert len(server.hits("/robots.txt")) == 1
    assert not server.hits("/private/x")
    robots_request = server.hits("/robots.txt")[0]
    assert robots_request.headers["accept"].startswith("text/plain")


def test_crawl_delay_spaces_requests(server, http_settings):
    robots = b"User-agent: wirehouse\nCrawl-delay: 1\nDisallow: /private\n"
    server.routes["/robots.txt"] = lambda h: h.reply(200, robots)
    server.routes["/a"] = lambda h: h.reply(200, b"page")
    assert pages(http_settings(), server, ["/a"])[0].ok
    # the robots.txt request counts: the page waits the Crawl-delay after it
    waited = server.hits("/a")[0].started - server.hits("/robots.txt")[0].started
    assert waited >= 1.0 - 0.05, waited


def test_missing_robots_allows_and_server_error_disallows(make_server, http_settings):
    missing, broken = make_server(), make_server()
    missing.routes["/a"] = broken.routes["/a"] = lambda h: h.reply(200, b"page")
    broken.routes["/robots.txt"] = lambda h: h.reply(500, b"oops")
    assert pages(http_settings(), missing, ["/a"])[0].ok
    result = pages(http_settings(), broken, ["/a"])[0]
    assert result.error == "robots_unavailable:http_500"
    assert not broken.hits("/a")


def test_feeds_do_not_check_robots(server, http_settings):
    server.routes["/robots.txt"] = lambda h: h.reply(200, b"User-agent: *\nDisallow: /\n")
    server.routes["/feed"] = lambda h: h.reply(200, b"<rss/>")

    async def go() -> Fetched:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            return await fetcher.fetch(server.url("/feed"), kind=FetchKind.FEED)

    assert asyncio.run(go()).ok
    assert not server.hits("/robots.txt")


def outcome(status: int | None, error: str | None, body: bytes | None = None) -> Fetched:
    now = datetime.now(UTC)
    url = "http://x.example/robots.txt"
    return Fetched(url, FetchKind.ROBOTS, url, status, now, 1.0, body=body, error=error)


def test_rules_from_outcomes():
    url = "http://x.example/a"
    assert rules_from(outcome(404, "http_404")).verdict(url) is None
    assert rules_from(outcome(403, "http_403")).verdict(url) is None  # RFC 9309: 4xx = no rules
    assert rules_from(outcome(429, "http_429")).verdict(url) == "robots_unavailable:http_429"
    assert rules_from(outcome(503, "http_503")).verdict(url) == "robots_unavailable:http_503"
    assert rules_from(outcome(None, "timeout:read")).verdict(url) == "robots_unavailable:timeout"
    rules = rules_from(outcome(200, None, b"User-agent: wirehouse\nDisallow: /a\nCrawl-delay: 2"))
    assert rules.verdict(url) == "robots_disallowed" and rules.crawl_delay_s == 2.0
    assert rules.verdict("http://x.example/b") is None


def test_a_byte_order_mark_does_not_hide_the_first_group(server, http_settings):
    # a BOM glued to "User-agent" made the first line unreadable, and the group's rules with it
    robots = b"\xef\xbb\xbfUser-agent: wirehouse\r\nDisallow: /private\r\n"
    server.routes["/robots.txt"] = lambda h: h.reply(200, robots, {"Content-Type": "text/plain"})
    server.routes["/private/x"] = server.routes["/news/1"] = lambda h: h.reply(200, b"page")
    results = pages(http_settings(), server, ["/private/x", "/news/1"])
    assert [r.error for r in results] == ["robots_disallowed", None]
    assert not server.hits("/private/x")
