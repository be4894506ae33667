"""The five invented outlets: their names, how their pages state dates, and what their feeds list.

Each outlet is served from its own 127.0.0.1 port, so each is its own origin. Feed items are
listed newest first; items of later editions are skipped until that edition is reached.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedItem:
    """One listing of a piece in a feed; the same piece may be listed twice."""

    key: str
    query: str = ""  # tracking parameters appended to the link (the article stays the same)
    guid_suffix: str = ""  # a second listing gets its own guid, as CMS promotions do


@dataclass(frozen=True)
class FeedSpec:
    path: str
    format: str  # "rss2", "atom" or "rdf"
    title: str
    description: str
    items: tuple[FeedItem, ...]
    tags: tuple[str, ...]
    name: str | None = None  # name in the feed list; the outlet's name if None
    interval_minutes: int | None = None
    full_content: bool = False  # carry the whole article (content:encoded / atom:content)
    broken: bool = False  # serve malformed, truncated XML that feedparser only partly reads
    # RSS dates: "local" (RFC 822, +0100), "short" (no weekday or seconds) or "gmt"
    date_style: str = "local"
    permalink_guids: bool = False  # RSS guid is the article URL rather than an opaque id


@dataclass(frozen=True)
class Outlet:
    slug: str
    name: str
    lang: str
    domain: str  # used in tag: URIs and e-mail addresses only; never resolved
    dates: str  # how article pages state the date: "time", "day" or "none"
    robots_disallow: str  # the one path robots.txt disallows; no feed links there
    feeds: tuple[FeedSpec, ...]


TRACKING_QUERY = "utm_source=newsletter&utm_medium=email&utm_campaign=morning-briefing"
SPORT_QUERY = "utm_source=rss&utm_medium=sport-feed"

LEDGER = Outlet(
    slug="ledger",
    name="The Harbour Ledger",
    lang="en-GB",
    domain="harbourledger.example",
    dates="time",
    robots_disallow="/subscriber-preview/",
    feeds=(
        FeedSpec(
            path="/feed.xml",
            format="rss2",
            title="The Harbour Ledger: Latest",
            description="Business, markets and shipping news from Brennick and beyond.",
            tags=("demo", "business"),
            full_content=True,
            items=(
                FeedItem("ledger-return"),
                FeedItem("ledger-wind"),
                FeedItem("ledger-wind", query=TRACKING_QUERY, guid_suffix="-briefing"),
                FeedItem("ledger-strike"),
                FeedItem("ledger-report"),
                FeedItem("ledger-ballot"),
            ),
        ),
    ),
)

POST = Outlet(
    slug="post",
    name="Brennick Evening Post",
    lang="en-GB",
    domain="brennickpost.example",
    dates="day",
    robots_disallow="/admin/",
    feeds=(
        FeedSpec(
            path="/rss",
            format="rss2",
            title="Brennick Evening Post - News",
            description="The latest news, sport and what's on in Brennick.",
            tags=("demo", "local"),
            date_style="short",
            items=(
                FeedItem("post-cup-draw"),
                FeedItem("post-strike"),
                FeedItem("post-lighthouse"),
                FeedItem("post-gone"),
                FeedItem("post-regatta"),
                FeedItem("post-cup"),
                FeedItem("post-automation"),
            ),
        ),
        FeedSpec(
            path="/sport/feed.rss",
            format="rss2",
            title="Sport & Leisure - Brennick Evening Post",
            description="Rovers, rowing and everything else.",
            name="Brennick Evening Post: Sport",
            tags=("demo", "local", "sport"),
            broken=True,
            date_style="short",
            items=(
                FeedItem("post-cup-draw", query=SPORT_QUERY),
                FeedItem("post-cup", query=SPORT_QUERY),
                FeedItem("post-regatta", query=SPORT_QUERY),
            ),
        ),
    ),
)

COURIER = Outlet(
    slug="courier",
    name="Amsel Courier",
    lang="en",
    domain="amselcourier.example",
    dates="time",
    robots_disallow="/search",
    feeds=(
        FeedSpec(
            path="/feeds/latest.atom",
            format="atom",
            title="Amsel Courier - Latest stories",
            description="National news from Veloria's paper of record.",
            tags=("demo", "national"),
            items=(
                FeedItem("courier-rates"),
                FeedItem("courier-gallery"),
                FeedItem("courier-strike"),
                FeedItem("courier-seagrass"),
                FeedItem("courier-automation"),
            ),
        ),
    ),
)

MERIDIAN = Outlet(
    slug="meridian",
    name="Meridian Wire",
    lang="en-US",
    domain="meridianwire.example",
    dates="time",
    robots_disallow="/clients/",
    feeds=(
        FeedSpec(
            path="/rss/topnews.xml",
            format="rss2",
            title="Meridian Wire: Top News",
            description="Top stories from the Meridian Wire news agency.",
            tags=("demo", "wire"),
            date_style="gmt",
            permalink_guids=True,
            items=(
                FeedItem("meridian-gale"),
                FeedItem("meridian-gale-brief"),
                FeedItem("meridian-squad"),
                FeedItem("meridian-rates"),
            ),
        ),
    ),
)

GAZETTE = Outlet(
    slug="gazette",
    name="The Northgate Gazette",
    lang="en-GB",
    domain="northgategazette.example",
    dates="none",
    robots_disallow="/wp-admin/",
    feeds=(
        FeedSpec(
            path="/index.rdf",
            format="rdf",
            title="The Northgate Gazette",
            description="News for Northgate, the coast and the Skarren Islands.",
            tags=("demo", "local"),
            items=(
                FeedItem("gazette-rates"),
                FeedItem("gazette-ferry"),
                FeedItem("gazette-sea-wall"),
                FeedItem("gazette-choir"),
            ),
        ),
    ),
)

# Port order when --port-base is given: ledger N, post N+1, courier N+2, meridian N+3, ...
OUTLETS: tuple[Outlet, ...] = (LEDGER, POST, COURIER, MERIDIAN, GAZETTE)
