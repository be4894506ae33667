"""Per-feed fetch profiles at the server: the feed's User-Agent on every request (robots.txt
too), its robots.txt token, and its host limits, the strictest winning on a shared host."""

from __future__ import annotations

import asyncio
import itertools
import time

from tests.fetch.test_fetch_politeness import slow
from wirehouse.fetch import Fetcher
from wirehouse.fetch.hosts import HostGate, HostLimits
from wirehouse.fetch.robots import product_token
from wirehouse.records import FeedSource, Fetched, FetchKind

ROBOTS = b"""
User-agent: partnerbot
Disallow: /members

User-agent: wirehouse
Disallow: /drafts
"""
PARTNER = FeedSource(
    url="http://feeds.test/rss",
    user_agent="PartnerBot/2.0 (+{contact})",
    per_host_delay_s=0.4,
    per_host_connections=1,
)


def test_product_token() -> None:
    assert product_token("PartnerBot/2.0 (+https://x.example)") == "PartnerBot"
    assert product_token("  Reader 1.0") == "Reader"
    assert product_token("wirehouse/0.1 (news ingestion; +x)") == "wirehouse"


def test_profile_for_merges_the_feed_with_the_settings(http_settings) -> None:
    settings = http_settings(
        per_host_delay_s=0.25, per_host_connections=3, contact_url="mailto:a@b"
    )

    async def go() -> None:
        async with Fetcher(settings) as fetcher:
            default = fetcher.profile_for(FeedSource(url="http://a.test/rss"))
            assert default.user_agent == settings.user_agent_header()
            assert default.robots_agent == "wirehouse"
            assert default.limits == HostLimits(0.25, 3)
            partner = fetcher.profile_for(PARTNER)
            assert partner.user_agent == "PartnerBot/2.0 (+mailto:a@b)"
            assert partner.robots_agent == "PartnerBot"
            assert partner.limits == HostLimits(0.4, 1)
            slower = fetcher.profile_for(FeedSource(url="http://a.test/rss", per_host_delay_s=2))
            assert slower.user_agent == default.user_agent and slower.limits == HostLimits(2, 3)

    asyncio.run(go())


def test_each_profile_sends_its_agent_and_obeys_its_robots_rules(server, http_settings) -> None:
    server.routes["/robots.txt"] = lambda h: h.reply(200, ROBOTS, {"Content-Type": "text/plain"})
    for path in ("/members/1", "/drafts/1", "/news/1"):
        server.routes[path] = lambda h: h.reply(200, b"<html>story</html>")
    paths = ["/members/1", "/drafts/1", "/news/1"]

    async def go() -> tuple[list[Fetched], list[Fetched]]:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            partner = fetcher.profile_for(PARTNER)

            def get(path: str, profile=None):
                return fetcher.fetch(
                    server.url(path), kind=FetchKind.PAGE, check_robots=True, profile=profile
                )

            mine = await asyncio.gather(*(get(p) for p in paths))
            theirs = await asyncio.gather(*(get(p, partner) for p in paths))
            return list(mine), list(theirs)

    mine, theirs = asyncio.run(go())
    assert [r.error for r in mine] == [None, "robots_disallowed", None]
    assert [r.error for r in theirs] == ["robots_disallowed", None, None]
    agents = [s.headers["user-agent"] for s in server.hits("/robots.txt")]
    # robots.txt is read once per agent, each time with that agent's header
    assert sorted(a.split("/")[0] for a in agents) == ["PartnerBot", "wirehouse"]
    assert {s.headers["user-agent"].split("/")[0] for s in server.hits("/news/1")} == {
        "PartnerBot",
        "wirehouse",
    }
    assert [s.headers["user-agent"].split("/")[0] for s in server.hits("/drafts/1")] == [
        "PartnerBot"
    ]


def test_the_settings_user_agent_names_the_default_robots_token(server, http_settings) -> None:
    """An operator whose `http.user_agent` names their own bot obeys that bot's rules, as a
    feed with the same `user_agent` in the feed list does, not the rules for `wirehouse`."""
    server.routes["/robots.txt"] = lambda h: h.reply(200, ROBOTS, {"Content-Type": "text/plain"})
    for path in ("/members/1", "/drafts/1"):
        server.routes[path] = lambda h: h.reply(200, b"<html>story</html>")
    settings = http_settings(user_agent="PartnerBot/3.0 (+{contact})")

    async def go() -> tuple[str, list[Fetched]]:
        async with Fetcher(settings, operator_hosts=[server.netloc]) as fetcher:
            default = fetcher.profile_for(FeedSource(url="http://a.test/rss"))
            fetched = await asyncio.gather(
                *(
                    fetcher.fetch(server.url(p), kind=FetchKind.PAGE, check_robots=True)
                    for p in ("/members/1", "/drafts/1")
                )
            )
            return default.robots_agent, list(fetched)

    token, (members, drafts) = asyncio.run(go())
    assert token == "PartnerBot"
    assert members.error == "robots_disallowed"
    assert drafts.error is None and drafts.status == 200


def test_a_feeds_host_limits_are_kept_at_the_server(server, http_settings) -> None:
    server.routes["/a"] = slow(0.05)

    async def go() -> list[Fetched]:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            profile = fetcher.profile_for(PARTNER)
            return list(
                await asyncio.gather(
                    *(
                        fetcher.fetch(server.url("/a"), kind=FetchKind.PAGE, profile=profile)
                        for _ in range(4)
                    )
                )
            )

    assert all(r.ok for r in asyncio.run(go()))
    assert server.tracker.max_in_flight == 1
    starts = sorted(s.started for s in server.hits("/a"))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.4 - 0.05, gaps


def test_a_shared_host_keeps_the_strictest_limits() -> None:
    lenient, strict = HostLimits(0.0, 8), HostLimits(0.5, 2)

    async def go() -> tuple[list[float], int]:
        gate = HostGate(
            per_host_connections=4, per_host_delay_s=0.0, max_connections=8, max_pause_s=60.0
        )
        starts: list[float] = []
        in_flight = peak = 0

        async def request(limits: HostLimits, hold_s: float = 0.0) -> None:
            nonlocal in_flight, peak
            async with gate.slot("h:80", limits):
                starts.append(time.monotonic())
                in_flight += 1
                peak = max(peak, in_flight)
                await asyncio.sleep(hold_s)
                in_flight -= 1

        await request(lenient)
        await request(lenient)  # the lenient feed's own limits: no gap
        await request(strict)
        await request(lenient)  # the strict request's gap now holds for everyone
        peak = 0
        await asyncio.gather(*(request(lenient, 0.05) for _ in range(3)))
        gate.set_crawl_delay("h:80", 1.0)  # robots.txt raises the gap further
        await request(lenient)
        return starts, peak

    starts, peak = asyncio.run(go())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[0] < 0.5 / 2, gaps
    assert all(g >= 0.5 - 0.05 for g in gaps[2:]), gaps
    assert peak == 1  # two connections allowed, but the 0.5 s gap spaces them out
    assert gaps[-1] >= 1.0 - 0.05, gaps


def test_robots_txt_is_read_once_per_user_agent_whatever_the_limits(server, http_settings) -> None:
    # three feeds with the same User-Agent and different limits are one reader of robots.txt
    server.routes["/robots.txt"] = lambda h: h.reply(200, ROBOTS, {"Content-Type": "text/plain"})
    server.routes["/news/1"] = lambda h: h.reply(200, b"<html>story</html>")
    feeds = [
        FeedSource(url="http://feeds.test/a", user_agent="PartnerBot/2.0", per_host_delay_s=d)
        for d in (0.0, 0.05, 0.1)
    ]

    async def go() -> list[Fetched]:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            profiles = [fetcher.profile_for(f) for f in feeds]
            assert len({p.limits for p in profiles}) == 3
            return [
                await fetcher.fetch(
                    server.url("/news/1"), kind=FetchKind.PAGE, check_robots=True, profile=p
                )
                for p in profiles
            ]

    assert all(r.ok for r in asyncio.run(go()))
    assert len(server.hits("/robots.txt")) == 1


def test_a_403_storm_against_one_agent_does_not_block_another(server, http_settings) -> None:
    # the publisher refuses the default agent (an aggregator's links) but lets its partner in
    def page(h) -> None:
        if h.headers.get("User-Agent", "").startswith("PartnerBot"):
            h.reply(200, b"<html>ok</html>", {"Content-Type": "text/html"})
        else:
            h.reply(403, b"no")

    for i in range(10):
        server.routes[f"/p{i}"] = page

    async def go() -> tuple[list[Fetched], list[Fetched]]:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            partner = fetcher.profile_for(PARTNER)
            mine = [
                await fetcher.fetch(server.url(f"/p{i}"), kind=FetchKind.PAGE) for i in range(6)
            ]
            theirs = [
                await fetcher.fetch(server.url(f"/p{i}"), kind=FetchKind.PAGE, profile=partner)
                for i in (8, 9)
            ]
            return mine, theirs

    mine, theirs = asyncio.run(go())
    assert [r.error for r in mine] == ["http_403"] * 5 + ["host_backed_off:http_403 x5"]
    assert [r.error for r in theirs] == [None, None] and all(r.ok for r in theirs)
    assert [s.path for s in server.seen if s.headers["user-agent"].startswith("PartnerBot")] == [
        "/p8",
        "/p9",
    ]
