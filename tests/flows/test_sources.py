"""Per-source settings through the real ingest flow: a loopback outlet whose feed and pages write
dates without offsets on both sides of Europe/Berlin's DST changes, declare the wrong language,
carry the full text in the feed, and whose server records each request's User-Agent and start
time; a plain outlet beside it shows the defaults. Real DuckDB file, test Prefect server.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from devkit.evals.entries import paragraphs, run_env
from tests.fetch.conftest import LoopbackServer
from wirehouse.flows.ingest import ingest
from wirehouse.flows.reextract import reextract

GAP_S = 0.5
PARTNER_UA = "PartnerBot/2.0 (+{contact})"
# robots.txt of the zoned outlet: PartnerBot may read the news, nobody else anything
ROBOTS = b"User-agent: PartnerBot\nDisallow: /members\n\nUser-agent: *\nDisallow: /\n"

# (path, feed pubDate without zone, page's published_time without offset or None, UTC expected)
ZONED_ITEMS = [
    (
        "/news/before-spring",
        "Sat, 28 Mar 2026 10:00:00",
        None,
        datetime(2026, 3, 28, 9, tzinfo=UTC),
    ),
    ("/news/after-spring", "Mon, 30 Mar 2026 10:00:00", None, datetime(2026, 3, 30, 8, tzinfo=UTC)),
    (
        "/news/before-autumn",
        "Sat, 24 Oct 2026 10:00:00",
        "2026-10-24T11:30:00",
        datetime(2026, 10, 24, 9, 30, tzinfo=UTC),
    ),
    (
        "/news/after-autumn",
        "Mon, 26 Oct 2026 10:00:00",
        "2026-10-26T11:30:00",
        datetime(2026, 10, 26, 10, 30, tzinfo=UTC),
    ),
]
MEMBERS = "/members/only"


def rss(server: LoopbackServer, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (path, pubDate, full content) items, with content:encoded."""
    body = "".join(
        f"<item><title>Story {path.rsplit('/', 1)[-1]}</title>"
        f"<link>{server.url(path)}</link><guid>{server.url(path)}</guid>"
        f"<pubDate>{date}</pubDate><description>Teaser.</description>"
        f"<content:encoded><![CDATA[<p>{content}</p>]]></content:encoded></item>"
        for path, date, content in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Outlet</title><link>{server.url('/')}</link>{body}</channel></rss>"
    ).encode()


def page(title: str, text: str, published: str | None) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n"))
    return (
        f'<!doctype html><html lang="en"><head><title>{title}</title>{meta}</head>'
        f"<body><article><h1>{title}</h1>{paras}</article></body></html>"
    ).encode()


def serve(server: LoopbackServer, path: str, body: bytes, kind: str) -> None:
    server.routes[path] = lambda h: h.reply(200, body, {"Content-Type": kind})


def feed_text(path: str) -> str:
    return f"Der volle Text aus dem Feed für {path}. " + paragraphs(f"feed{path}", 1)[0]


def articles(db: Path) -> dict[str, tuple[Any, ...]]:
    """Stored (published_at, its source, language, text, body_source, status) by URL."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            url: tuple(row)
            for url, *row in con.execute(
                "SELECT u.url, a.published_at, a.published_at_source, a.language, a.text,"
                " a.body_source, a.status"
                " FROM article_urls u JOIN articles a USING (article_id)"
            ).fetchall()
        }


@pytest.fixture(scope="module")
def ingested(prefect_api, tmp_path_factory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("sources")
    zoned, plain = LoopbackServer(), LoopbackServer()
    try:
        html = "text/html; charset=utf-8"
        zoned_feed = [(p, d, feed_text(p)) for p, d, _, _ in ZONED_ITEMS]
        zoned_feed.append((MEMBERS, "Mon, 30 Mar 2026 12:00:00", feed_text(MEMBERS)))
        serve(zoned, "/rss", rss(zoned, zoned_feed), "application/rss+xml")
        serve(zoned, "/robots.txt", ROBOTS, "text/plain")
        for path, _, published, _ in ZONED_ITEMS:
            serve(zoned, path, page(path, "\n".join(paragraphs(path, 4)), published), html)
        serve(zoned, MEMBERS, page("members", "\n".join(paragraphs(MEMBERS, 4)), None), html)
        # the plain outlet: the same kind of naive dates, read as UTC as before
        serve(
            plain,
            "/rss",
            rss(plain, [("/story", "Mon, 30 Mar 2026 10:00:00", feed_text("/story"))]),
            "application/rss+xml",
        )
        serve(plain, "/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
        serve(plain, "/story", page("story", "\n".join(paragraphs("/story", 4)), None), html)

        feeds = tmp / "feeds.toml"
        feeds.write_text(
            f"""
[[feeds]]
url = "{zoned.url("/rss")}"
timezone = "Europe/Berlin"
language = "de"
prefer_feed_text = true
user_agent = "{PARTNER_UA}"
per_host_delay_s = {GAP_S}
per_host_connections = 1

[[feeds]]
url = "{plain.url("/rss")}"
""",
            encoding="utf-8",
        )
        db = tmp / "w.duckdb"
        env = {"WIREHOUSE_HTTP__CONTACT_URL": "mailto:ops@example.org"}
        with run_env(**env):
            summary = asyncio.run(ingest(feeds_file=str(feeds), db=str(db)))
        stored = articles(db)
        # re-extraction reads the same feed list: the feed's text is not swapped for the page's
        with run_env(**env, WIREHOUSE_FEEDS_FILE=str(feeds)):
            again = asyncio.run(reextract(db=str(db)))
        yield {
            "summary": summary,
            "stored": stored,
            "zoned": zoned,
            "plain": plain,
            "reextracted": again,
            "after_reextract": articles(db),
        }
    finally:
        zoned.close()
        plain.close()


def test_naive_dates_are_read_in_the_feeds_zone_on_both_sides_of_dst(ingested) -> None:
    zoned, stored = ingested["zoned"], ingested["stored"]
    for path, _, published, expected in ZONED_ITEMS:
        at, source, *_ = stored[zoned.url(path)]
        assert at.astimezone(UTC) == expected, path
        assert source == ("page" if published else "feed"), path


def test_the_plain_outlet_still_reads_naive_dates_as_utc(ingested) -> None:
    at, source, language, text, body_source, status = ingested["stored"][
        ingested["plain"].url("/story")
    ]
    assert at.astimezone(UTC) == datetime(2026, 3, 30, 10, tzinfo=UTC) and source == "feed"
    assert language == "en" and body_source == "page" and status == "ok"
    assert "Der volle Text" not in text


def test_language_and_feed_text_come_from_the_feed_list(ingested) -> None:
    zoned, stored = ingested["zoned"], ingested["stored"]
    for path, *_ in ZONED_ITEMS:
        _, _, language, text, body_source, status = stored[zoned.url(path)]
        assert language == "de"  # the pages say lang="en"
        assert text == feed_text(path) and body_source == "feed" and status == "ok"


def test_robots_txt_is_read_for_the_feeds_agent(ingested) -> None:
    zoned, stored = ingested["zoned"], ingested["stored"]
    _, _, language, text, body_source, status = stored[zoned.url(MEMBERS)]
    assert status == "page_failed:robots_disallowed"
    assert (language, text, body_source) == ("de", feed_text(MEMBERS), "feed")
    assert not zoned.hits(MEMBERS)
    # under `User-agent: *` every other page would have been refused too
    assert all(zoned.hits(path) for path, *_ in ZONED_ITEMS)


def test_every_request_carries_the_feeds_user_agent(ingested) -> None:
    zoned, plain = ingested["zoned"], ingested["plain"]
    agents = {s.path: s.headers["user-agent"] for s in zoned.seen}
    assert set(agents) == {"/rss", "/robots.txt", *(p for p, *_ in ZONED_ITEMS)}
    assert set(agents.values()) == {"PartnerBot/2.0 (+mailto:ops@example.org)"}
    assert {s.headers["user-agent"].split("/")[0] for s in plain.seen} == {"wirehouse"}
    assert {s.path for s in plain.seen} == {"/rss", "/robots.txt", "/story"}


def test_the_feeds_gap_and_concurrency_hold_at_its_host(ingested) -> None:
    zoned = ingested["zoned"]
    starts = sorted(s.started for s in zoned.seen)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 6 and min(gaps) >= GAP_S - 0.05, gaps
    assert zoned.tracker.max_in_flight == 1


def test_the_run_fetched_both_feeds(ingested) -> None:
    summary = ingested["summary"]
    assert summary.feeds_fetched == 2 and summary.new_articles == 6


def test_reextract_keeps_what_the_feed_list_decided(ingested) -> None:
    # only the plain outlet's page is extracted again; the feed-text articles are left alone
    assert ingested["reextracted"] == {
        "pages": 1,
        "changed": 0,
        "unchanged": 1,
        "rejected": 0,
        "unreadable": 0,
    }
    assert ingested["after_reextract"] == ingested["stored"]


def test_entries_left_for_later_carry_the_feeds_rules(prefect_api, tmp_path) -> None:
    # the budget parks two of three entries as pending articles at triage, before any page is
    # fetched: they are the feed list's language from the start, as the fetched one is
    outlet = LoopbackServer()
    try:
        paths = ["/news/a", "/news/b", "/news/c"]
        items = [(p, "Mon, 30 Mar 2026 10:00:00", feed_text(p)) for p in paths]
        serve(outlet, "/rss", rss(outlet, items), "application/rss+xml")
        serve(outlet, "/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
        for p in paths:
            serve(outlet, p, page(p, "\n".join(paragraphs(p, 4)), None), "text/html")
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(
            f'[[feeds]]\nurl = "{outlet.url("/rss")}"\nlanguage = "de"\n'
            'timezone = "Europe/Berlin"\n',
            encoding="utf-8",
        )
        db = tmp_path / "w.duckdb"
        with run_env(WIREHOUSE_BUDGET__MAX_ENTRIES_PER_FEED="1"):
            asyncio.run(ingest(feeds_file=str(feeds), db=str(db)))
        stored = articles(db)
    finally:
        outlet.close()
    assert sorted(row[5] for row in stored.values()) == ["ok", "pending", "pending"]
    assert {row[2] for row in stored.values()} == {"de"}
    assert {row[0] for row in stored.values()} == {datetime(2026, 3, 30, 8, tzinfo=UTC)}
