"""Access status through the real ingest flow: loopback outlets serving paywalls in several
vendor styles, bot challenges (as 200s and as 403/405/503 refusals), script shells, whole and
truncated articles; a real DuckDB file; the test Prefect server. Asserts `articles.access`,
what text each kept, the `access_by_outlet` shares, and that two outlets' teasers are no copies.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb
import pytest

from devkit.evals.entries import run_env
from devkit.loopback import Answer, base_of, start_site, stop_sites
from tests.walls import CHALLENGES, PAYWALLS, SHELLS, article_text, html, normal_pages, teaser
from wirehouse.flows.ingest import ingest
from wirehouse.flows.reextract import reextract
from wirehouse.records import Access

MAX_TEXT_CHARS = 5_000
PUBLISHED = datetime(2026, 12, 1, 8, tzinfo=UTC)


@dataclass
class Item:
    slug: str
    body: bytes
    access: str  # what the article must be stored as
    status: int = 200
    summary: str = ""  # set by the outlet: each its own, so no two feed texts are copies
    content: str | None = None  # the feed's full text, when it carries one
    # (outlet, slug) of the article it duplicates; published a day later, so it is the copy
    copy_of: tuple[str, str] | None = None


@dataclass
class Outlet:
    name: str
    items: list[Item] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def add(self, item: Item) -> None:
        item.summary = item.summary or f"{self.name} on {item.slug}: the ferry vote."
        self.items.append(item)

    @property
    def base(self) -> str:
        assert self.server is not None
        return base_of(self.server)

    def answer(self, path: str) -> Answer:
        if path == "/feed.xml":
            return 200, "application/rss+xml", self.feed()
        for it in self.items:
            if path == f"/news/2026/12/01/{it.slug}":
                return it.status, "text/html; charset=utf-8", it.body
        return 404, "text/plain", b"not found"

    @property
    def host(self) -> str:
        return self.base.removeprefix("http://")

    def url(self, slug: str) -> str:
        return f"{self.base}/news/2026/12/01/{slug}"

    def feed(self) -> bytes:
        items = []
        for n, it in enumerate(self.items):
            content = (
                f"<content:encoded>{escape(it.content)}</content:encoded>" if it.content else ""
            )
            when = format_datetime(PUBLISHED + timedelta(minutes=n, days=bool(it.copy_of)))
            items.append(
                f"<item><title>{escape(self.name)} story {it.slug}</title>"
                f"<link>{self.url(it.slug)}</link><guid>{self.url(it.slug)}</guid>"
                f"<pubDate>{when}</pubDate>"
                f"<description>{escape(it.summary)}</description>{content}</item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{self.name}</title><link>{self.base}/</link>{''.join(items)}"
            "</channel></rss>"
        ).encode()


NORMAL = [n.name for n in normal_pages("names")]


def normal_page(name: str) -> bytes:
    """The whole article `name` of `normal_pages`, with words of its own (no copies)."""
    return next(n.page for n in normal_pages(f"ingest-{name}") if n.name == name)


def build_outlets() -> list[Outlet]:
    paywall_a = Outlet("paywall-a")
    for style in ("jsonld-bool", "jsonld-graph", "piano", "poool", "zephr", "laterpay"):
        paywall_a.add(Item(style, PAYWALLS[style]("Ferry", teaser(style)), "paywalled"))
    for style in ("og-content-tier", "prompt-only"):  # the feed's text is longer: it stays
        page = PAYWALLS[style]("Ferry", teaser(f"long-{style}"))
        long_feed = " ".join(article_text(f"feed-{style}", 3))
        paywall_a.add(Item(style, page, "paywalled", content=long_feed))
    # another outlet's teasers: the same page, the same teaser in another wall, one word apart
    paywall_b = Outlet("paywall-b")
    same = PAYWALLS["jsonld-bool"]("Ferry", teaser("jsonld-bool"))
    paywall_b.add(Item("jsonld-bool", same, "paywalled"))
    other_style = PAYWALLS["arc-class-and-login"]("Ferry", teaser("piano"))
    paywall_b.add(Item("piano", other_style, "paywalled"))
    near = [teaser("poool")[0], teaser("poool")[1].replace("council", "mayor", 1)]
    paywall_b.add(Item("poool", PAYWALLS["substack"]("Ferry", near), "paywalled"))

    walls_a = Outlet("walls-a")
    for vendor, status in (
        ("cloudflare-just-a-moment", 200),
        ("cloudflare-blocked", 403),
        ("datadome", 403),
        ("perimeterx", 403),
        ("cloudflare-turnstile", 200),
    ):
        walls_a.add(Item(vendor, CHALLENGES[vendor], "bot_wall", status=status))
    forbidden = b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body>"
    walls_a.add(Item("forbidden", forbidden, "feed_only", status=403))
    walls_b = Outlet("walls-b")
    for vendor, status in (
        ("akamai", 403),
        ("imperva", 503),
        ("aws-waf-captcha", 405),
        ("recaptcha-interstitial", 200),
        ("hcaptcha-interstitial", 200),
    ):
        walls_b.add(Item(vendor, CHALLENGES[vendor], "bot_wall", status=status))

    shells = Outlet("shells")
    for framework, page in SHELLS.items():
        shells.add(Item(framework, page, "js_shell"))

    normal = Outlet("normal")
    for name in NORMAL:
        normal.add(Item(name, normal_page(name), "ok"))
    long_read = html("Long read", article_text("long-read", 24))
    normal.add(Item("long-read", long_read, "truncated"))
    # a free article another outlet also ran, word for word: one article, seen twice
    copied = normal_page("jsonld-free")
    paywall_b.add(Item("reprint", copied, "ok", copy_of=("normal", "jsonld-free")))
    return [paywall_a, paywall_b, walls_a, walls_b, shells, normal]


@contextlib.contextmanager
def serving(outlets: list[Outlet]) -> Iterator[list[Outlet]]:
    try:
        for outlet in outlets:
            outlet.server = start_site(outlet.answer)
        yield outlets
    finally:
        stop_sites(o.server for o in outlets)


@pytest.fixture(scope="module")
def ingested(prefect_api, tmp_path_factory) -> Iterator[tuple[Path, list[Outlet]]]:
    db = tmp_path_factory.mktemp("access") / "w.duckdb"
    extra = {"WIREHOUSE_EXTRACT__MAX_TEXT_CHARS": str(MAX_TEXT_CHARS)}
    with run_env(**extra), serving(build_outlets()) as outlets:
        asyncio.run(ingest(feeds=[f"{o.base}/feed.xml" for o in outlets], db=str(db)))
        yield db, outlets


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def stored(db: Path) -> dict[str, tuple[Any, ...]]:
    """url -> (access, status, body_source, text, text_truncated, article_id, match_kind)."""
    return {
        r[0]: r[1:]
        for r in rows(
            db,
            "SELECT u.url, a.access, a.status, a.body_source, a.text, a.text_truncated,"
            " a.article_id, u.match_kind FROM article_urls u JOIN articles a USING (article_id)",
        )
    }


def test_every_article_says_why_its_text_is_what_it_is(ingested):
    db, outlets = ingested
    found = stored(db)
    for outlet in outlets:
        for it in outlet.items:
            access, status, body_source, text, truncated, _, _ = found[outlet.url(it.slug)]
            where = f"{outlet.name}/{it.slug}"
            assert access == it.access, where
            if it.access in ("bot_wall", "js_shell"):
                # the page gave no text: the feed's stands in, and the reason is the wall
                assert status == f"page_failed:{it.access}", where
                assert body_source == "feed" and text == it.summary, where
            elif it.status != 200:
                assert status == f"page_failed:http_{it.status}", where
            else:
                assert status == "ok", where
            assert truncated is (it.access == "truncated"), where


def test_a_teaser_is_kept_unless_the_feed_text_is_longer(ingested):
    db, outlets = ingested
    found = stored(db)
    teasers = [(o, it) for o in outlets for it in o.items if it.access == "paywalled"]
    assert {it.content is not None for _, it in teasers} == {True, False}
    for outlet, it in teasers:
        _, _, body_source, text, *_ = found[outlet.url(it.slug)]
        if it.content is not None:
            assert (body_source, text) == ("feed", it.content)
        else:
            assert body_source == "page" and "The " in text and len(text) > len(it.summary)
            assert "the new ferry would" in text or "the new mayor would" in text


def test_access_by_outlet_gives_each_outlet_its_shares(ingested):
    db, outlets = ingested
    view = {
        (outlet, access): (articles, total, share)
        for outlet, access, articles, total, share in rows(db, "SELECT * FROM access_by_outlet")
    }
    for outlet in outlets:
        own = [it for it in outlet.items if it.copy_of is None]
        counts = Counter(it.access for it in own)
        for access, n in counts.items():
            articles, total, share = view[(outlet.host, access)]
            assert (articles, total) == (n, len(own))
            assert share == pytest.approx(n / len(own), rel=1e-12)  # unrounded
        assert {a for (host, a) in view if host == outlet.host} == set(counts)
    # the walled outlets first: the operator's attention list
    order = list(dict.fromkeys(host for host, _, *_ in rows(db, "SELECT * FROM access_by_outlet")))
    hosts = {o.name: o.host for o in outlets}
    assert order.index(hosts["normal"]) > max(
        order.index(hosts[n]) for n in ("walls-a", "walls-b", "shells", "paywall-a")
    )
    assert set(Access) >= {a for (_, a) in view}


def test_two_outlets_teasers_are_no_copies_of_each_other(ingested):
    db, outlets = ingested
    found = stored(db)
    a, b = (next(o for o in outlets if o.name == n) for n in ("paywall-a", "paywall-b"))
    for slug in ("jsonld-bool", "piano", "poool"):
        first, second = found[a.url(slug)], found[b.url(slug)]
        assert first[5] != second[5], slug  # two articles
        assert first[6] == second[6] == "new", slug
    # the same teaser word for word: the same text, and still two articles
    same = rows(
        db,
        "SELECT count(DISTINCT article_id), count(DISTINCT content_hash) FROM articles"
        " WHERE url IN (?, ?)",
        a.url("jsonld-bool"),
        b.url("jsonld-bool"),
    )
    assert same == [(2, 1)]
    # teasers leave no fingerprints for later texts to match
    teaser_ids = [
        found[o.url(it.slug)][5]
        for o in (a, b)
        for it in o.items
        if it.access == "paywalled" and it.content is None
    ]
    assert rows(
        db,
        "SELECT count(*) FROM near_signatures WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
        [i for i in teaser_ids if i],
    ) == [(0,)]


def test_a_free_article_run_by_two_outlets_is_still_one_article(ingested):
    db, outlets = ingested
    found = stored(db)
    b, normal = (next(o for o in outlets if o.name == n) for n in ("paywall-b", "normal"))
    copy, original = found[b.url("reprint")], found[normal.url("jsonld-free")]
    assert copy[5] == original[5] and copy[6] in ("exact", "near")


def test_extracting_the_stored_pages_again_changes_no_text_and_no_access(ingested):
    """Last: `reextract` over the same warehouse gives every page the same verdict, and a
    teaser whose feed text stood in keeps that text."""
    db, _ = ingested
    # later fetches (failed ones, say) were recorded after the stored pages: none is undone
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE articles SET last_fetched_at = last_fetched_at + INTERVAL 6 HOUR")
    query = (
        "SELECT article_id, access, status, body_source, text, version, last_fetched_at"
        " FROM articles"
    )
    before = sorted(rows(db, query))
    with run_env(WIREHOUSE_EXTRACT__MAX_TEXT_CHARS=str(MAX_TEXT_CHARS)):
        totals = asyncio.run(reextract(db=str(db)))
    assert totals["pages"] > 0 and totals["changed"] == 0
    assert sorted(rows(db, query)) == before
