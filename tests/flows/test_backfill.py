"""The real backfill flow: sites on loopback that publish sitemaps (news, indexes, gzip, and
hostile ones), a real DuckDB file per scenario and the tests' Prefect server."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import pytest

from tests.feeds.test_sitemap import BILLION_LAUGHS
from tests.flows.test_budgets import page
from wirehouse.flows.backfill import backfill
from wirehouse.flows.ingest import ingest
from wirehouse.warehouse.connection import run_lock

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
T0 = datetime(2026, 11, 1, tzinfo=UTC)
XML = {"Content-Type": "application/xml"}


@dataclass
class Site:
    """One loopback origin serving `docs` (path -> (headers, body)); `stall` paths hang."""

    server: ThreadingHTTPServer | None = None
    docs: dict[str, tuple[dict[str, str], bytes]] = field(default_factory=dict)
    stall: set[str] = field(default_factory=set)
    hits: dict[str, int] = field(default_factory=dict)
    agents: set[str] = field(default_factory=set)  # every User-Agent it was sent
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.origin + path

    def article(self, path: str) -> None:
        self.docs[path] = ({"Content-Type": "text/html; charset=utf-8"}, page(path))

    def news_sitemap(self, path: str, items: list[tuple[str, datetime, str]]) -> None:
        body = "".join(
            f"<url><loc>{self.url(p)}</loc><news:news><news:publication><news:name>Loop News"
            f"</news:name><news:language>en</news:language></news:publication>"
            f"<news:publication_date>{when.isoformat()}</news:publication_date>"
            f"<news:title>{escape(title)}</news:title></news:news></url>"
            for p, when, title in items
        )
        self.docs[path] = (
            XML,
            f'<urlset xmlns="{SM}" xmlns:news="{NEWS}">{body}</urlset>'.encode(),
        )

    def urlset(self, items: list[tuple[str, datetime | None]]) -> bytes:
        body = "".join(
            f"<url><loc>{self.url(p)}</loc>"
            + (f"<lastmod>{when.date().isoformat()}</lastmod>" if when else "")
            + "</url>"
            for p, when in items
        )
        return f'<urlset xmlns="{SM}">{body}</urlset>'.encode()

    def index(self, path: str, children: list[tuple[str, datetime | None]]) -> None:
        body = "".join(
            f"<sitemap><loc>{self.url(p)}</loc>"
            + (f"<lastmod>{when.isoformat()}</lastmod>" if when else "")
            + "</sitemap>"
            for p, when in children
        )
        self.docs[path] = (XML, f'<sitemapindex xmlns="{SM}">{body}</sitemapindex>'.encode())


def serve(site: Site) -> Site:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with site.lock:
                site.hits[path] = site.hits.get(path, 0) + 1
                site.agents.add(self.headers.get("User-Agent", ""))
            if path in site.stall:
                site.release.wait(60)
                return
            headers, body = site.docs.get(path, ({}, b""))
            self.send_response(200 if path in site.docs else 404)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    site.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.server.daemon_threads = True
    threading.Thread(target=site.server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    return site


@pytest.fixture
def site() -> Iterator[Site]:
    site = serve(Site())
    yield site
    site.release.set()
    assert site.server is not None
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("WIREHOUSE_HTTP__ALLOW_PRIVATE_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("WIREHOUSE_HTTP__PER_HOST_DELAY_S", "0")
    monkeypatch.setenv("WIREHOUSE_EXTRACT__WORKERS", "1")
    return monkeypatch


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def run_backfill(db: Path, sitemaps: list[str], since: str | None = None):
    return asyncio.run(backfill(sitemaps=sitemaps, since=since, db=str(db)))


def test_a_site_with_a_news_sitemap_and_no_feed_is_loaded_from_its_robots_txt(
    prefect_api, site, env, tmp_path
):
    items = [(f"/news/{i}", T0 + timedelta(hours=i), f"Harbour story number {i}") for i in range(4)]
    items.append(("/private/5", T0, "Members only"))
    for path, _, _ in items:
        site.article(path)
    site.news_sitemap("/news-sitemap.xml", items)
    # a byte order mark before its first line, as Windows editors save it
    robots = f"User-agent: *\nDisallow: /private/\nSitemap: {site.url('/news-sitemap.xml')}\n"
    site.docs["/robots.txt"] = ({"Content-Type": "text/plain"}, robots.encode("utf-8-sig"))
    db = tmp_path / "w.duckdb"
    summary = run_backfill(db, [site.origin + "/"])

    assert (summary.feeds_fetched, summary.feeds_failed, summary.entries_seen) == (1, 0, 5)
    assert summary.new_articles == 5
    rows = query(
        db,
        "SELECT url, feed_url, status, title, published_at, published_at_source, text IS NOT NULL"
        " FROM articles ORDER BY url",
    )
    by_url = {r[0]: r[1:] for r in rows}
    for path, when, _ in items[:4]:
        feed_url, status, title, published, source, has_text = by_url[site.url(path)]
        assert feed_url == site.origin + "/" and status == "ok" and has_text
        assert published == when and source == "feed"  # the news sitemap's date
        assert title  # the page's own headline, weighed against the sitemap's
    # robots.txt is obeyed for the pages: the disallowed one is kept from its sitemap entry
    feed_url, status, title, *_ = by_url[site.url("/private/5")]
    assert status.startswith("page_failed:robots_disallowed") and title == "Members only"
    assert "/private/5" not in site.hits
    # robots.txt was fetched once, for its Sitemap: line and for the pages' rules alike
    assert site.hits["/robots.txt"] == 1
    # the run is in the runs table, and its sitemap fetch in `fetches`
    [(status, entries_seen)] = query(
        db, "SELECT status, entries_seen FROM runs WHERE run_id = ?", summary.run_id
    )
    assert (status, entries_seen) == ("completed", 5)
    fetched = query(db, "SELECT url, kind FROM fetches WHERE run_id = ?", summary.run_id)
    assert (site.url("/news-sitemap.xml"), "sitemap") in fetched


def test_an_index_of_gzipped_sitemaps_with_since_reads_only_what_changed(
    prefect_api, site, env, tmp_path
):
    recent = [(f"/r/{i}", T0 + timedelta(days=20, hours=i)) for i in range(3)]
    mixed = [("/m/new", T0 + timedelta(days=25)), ("/m/old", T0), ("/m/undated", None)]
    old = [(f"/o/{i}", T0 - timedelta(days=40)) for i in range(3)]
    for path, _ in recent + mixed + old:
        site.article(path)
    gz = {"Content-Type": "application/x-gzip"}
    site.docs["/s/recent.xml.gz"] = (gz, gzip.compress(site.urlset(recent)))
    site.docs["/s/mixed.xml.gz"] = (gz, gzip.compress(site.urlset(mixed)))
    site.docs["/s/old.xml"] = (XML, site.urlset(old))
    site.index(
        "/sitemap_index.xml",
        [
            ("/s/recent.xml.gz", T0 + timedelta(days=21)),
            ("/s/mixed.xml.gz", None),
            ("/s/old.xml", T0 - timedelta(days=30)),  # nothing in it changed since --since
        ],
    )
    db = tmp_path / "w.duckdb"
    since = (T0 + timedelta(days=10)).date().isoformat()
    summary = run_backfill(db, [site.url("/sitemap_index.xml")], since=since)

    stored = {r[0] for r in query(db, "SELECT url FROM articles WHERE status = 'ok'")}
    expected = [p for p, _ in recent] + ["/m/new", "/m/undated"]  # undated pages are kept
    assert stored == {site.url(p) for p in expected}
    assert summary.feeds_fetched == 3 and summary.entries_seen == 5
    assert "/s/old.xml" not in site.hits and "/m/old" not in site.hits


def test_an_article_already_ingested_through_a_feed_folds_into_one(
    prefect_api, site, env, tmp_path
):
    for path in ("/a/shared", "/a/only-in-sitemap"):
        site.article(path)
    site.docs["/feed.xml"] = (
        {"Content-Type": "application/rss+xml"},
        (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Loop</title>"
            f"<link>{site.origin}/</link><item><title>Shared</title>"
            f"<link>{site.url('/a/shared')}</link></item></channel></rss>"
        ).encode(),
    )
    site.news_sitemap(
        "/news.xml",
        [
            # the same page, as the sitemap lists it (a tracking parameter, another title)
            ("/a/shared?utm_source=sitemap", T0, "Shared, again"),
            ("/a/only-in-sitemap", T0, "Only here"),
        ],
    )
    db = tmp_path / "w.duckdb"
    first = asyncio.run(ingest(feeds=[site.url("/feed.xml")], db=str(db)))
    assert first.new_articles == 1
    summary = run_backfill(db, [site.url("/news.xml")])

    assert summary.new_articles == 1 and summary.duplicates == {"url": 1}
    assert query(db, "SELECT count(*) FROM articles") == [(2,)]
    shared = query(
        db,
        "SELECT u.feed_url, u.match_kind, a.feed_url FROM article_urls u "
        "JOIN articles a USING (article_id) WHERE u.url_key = ? ORDER BY u.match_kind",
        site.url("/a/shared"),
    )
    assert shared == [
        (site.url("/feed.xml"), "new", site.url("/feed.xml")),
        (site.url("/news.xml"), "url", site.url("/feed.xml")),
    ]
    assert site.hits["/a/shared"] == 1  # the page was not fetched again


def test_pages_over_the_budget_are_stored_pending_and_fetched_by_the_next_backfill(
    prefect_api, site, env, tmp_path
):
    env.setenv("WIREHOUSE_BACKFILL__MAX_PAGES_PER_RUN", "3")
    # the backfill's own budget: a feed's (here smaller, and the run's) do not apply
    env.setenv("WIREHOUSE_BUDGET__MAX_ENTRIES_PER_FEED", "1")
    env.setenv("WIREHOUSE_BUDGET__MAX_PAGES_PER_RUN", "2")
    items = [(f"/b/{i}", T0 + timedelta(hours=i), f"Budget story {i}") for i in range(7)]
    for path, _, _ in items:
        site.article(path)
    site.news_sitemap("/news.xml", items)
    db = tmp_path / "w.duckdb"

    def statuses() -> dict[str, str]:
        return {r[0]: r[1] for r in query(db, "SELECT url, status FROM articles")}

    first = run_backfill(db, [site.url("/news.xml")])
    assert first.entries_deferred == 4
    newest = {site.url(f"/b/{i}") for i in (4, 5, 6)}
    assert {u for u, s in statuses().items() if s == "ok"} == newest  # newest first
    assert {u for u, s in statuses().items() if s == "pending"} == {
        site.url(f"/b/{i}") for i in range(4)
    }
    run_backfill(db, [site.url("/news.xml")])
    run_backfill(db, [site.url("/news.xml")])
    assert set(statuses().values()) == {"ok"} and len(statuses()) == 7
    assert all(site.hits[p] == 1 for p, _, _ in items)  # each page fetched once


def test_hostile_sitemaps_are_recorded_errors_and_stall_nothing(prefect_api, site, env, tmp_path):
    env.setenv("WIREHOUSE_BACKFILL__MAX_SITEMAPS", "20")
    env.setenv("WIREHOUSE_BACKFILL__DEADLINE_S", "20")
    # a server that never answers meets the backfill's deadline before any HTTP timeout
    env.setenv("WIREHOUSE_HTTP__READ_TIMEOUT_S", "600")
    env.setenv("WIREHOUSE_HTTP__TOTAL_TIMEOUT_S", "600")
    site.article("/ok/1")
    site.docs["/good.xml"] = (XML, site.urlset([("/ok/1", T0)]))
    site.docs["/laughs.xml"] = (XML, BILLION_LAUGHS.encode())
    site.docs["/xxe.xml"] = (
        XML,
        (
            '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "/robots.txt">]>'
            f'<urlset xmlns="{SM}"><url><loc>{site.url("/&x;")}</loc></url></urlset>'
        ).encode(),
    )
    site.docs["/bomb.xml.gz"] = (
        {"Content-Type": "application/x-gzip"},
        gzip.compress(b"<urlset>" + b"\n" * 100_000_000),
    )
    site.docs["/broken.xml"] = (XML, b"<urlset><url><loc>" + site.url("/ok/1").encode())
    site.docs["/home.html"] = (
        {"Content-Type": "text/html"},
        b"<!DOCTYPE html><html><body><p>Welcome</body></html>",
    )
    # an index listing a thousand sitemaps, and one that never answers
    site.index("/huge-index.xml", [(f"/many/{i}.xml", None) for i in range(1000)])
    for i in range(1000):
        site.docs[f"/many/{i}.xml"] = (XML, site.urlset([]))
    site.stall.add("/stalls.xml")
    # a page on another host (localhost is not 127.0.0.1) is no page of this site's
    elsewhere = site.url("/ok/2").replace("127.0.0.1", "localhost")
    site.docs["/offsite.xml"] = (
        XML,
        f'<urlset xmlns="{SM}"><url><loc>{elsewhere}</loc></url></urlset>'.encode(),
    )
    hostile = ["/laughs.xml", "/xxe.xml", "/bomb.xml.gz", "/broken.xml", "/home.html"]
    db = tmp_path / "w.duckdb"
    started = time.monotonic()
    summary = run_backfill(
        db,
        [
            site.url(p)
            for p in ["/good.xml", *hostile, "/offsite.xml", "/huge-index.xml", "/stalls.xml"]
        ],
    )
    took = time.monotonic() - started

    reasons = {r.url.removeprefix(site.origin): r.reason for r in summary.rejected}
    assert reasons["/laughs.xml"].startswith("malformed:")
    assert reasons["/xxe.xml"] == "malformed: Entity 'x' not defined"  # its DTD was cut
    assert reasons["/bomb.xml.gz"].startswith("too_large:")
    assert reasons["/broken.xml"].startswith("malformed:")
    assert reasons["/home.html"].startswith("not_a_sitemap:")
    assert reasons["/stalls.xml"].startswith("sitemap_deadline:")
    assert reasons["/offsite.xml"] == "off_site: 1 links to other sites left out"
    assert "/ok/2" not in site.hits
    # the index's walk stops at 20 sitemaps (itself and 19 of its thousand), and says so
    [limited] = [r for r in summary.rejected if r.reason.startswith("sitemap_limit:")]
    assert limited.reason == "sitemap_limit: 981 more not read"
    assert sum(1 for p in site.hits if p.startswith("/many/")) == 19
    # the good sitemap's page still loaded, and the run completed with the failures recorded
    assert query(db, "SELECT url, status FROM articles") == [(site.url("/ok/1"), "ok")]
    [(status, failed)] = query(
        db, "SELECT status, feeds_failed FROM runs WHERE run_id = ?", summary.run_id
    )
    # the stalled one was never read; the index cut short and the off-site links are no failure
    assert status == "completed" and failed == 5
    assert took < 20 + 120  # the deadline, plus a generous margin for a loaded machine


def test_a_backfill_that_finds_the_warehouse_busy_ends_cancelled_and_reads_nothing(
    prefect_api, site, env, tmp_path
):
    site.article("/news/1")
    site.news_sitemap("/sitemap.xml", [("/news/1", T0, "A story")])
    db = tmp_path / "w.duckdb"
    with run_lock(db):  # as an ingest run would hold it
        state = asyncio.run(
            backfill(sitemaps=[site.url("/sitemap.xml")], db=str(db), return_state=True)
        )
    assert state.is_cancelled()
    assert state.message and state.message.startswith("skipped: another ingest run")
    assert not db.exists() and site.hits == {}


def test_the_command_refuses_a_bad_since_in_one_line_before_any_run(tmp_path):
    from typer.testing import CliRunner

    from wirehouse.cli import app

    argv = ["backfill", "--sitemap", "http://127.0.0.1:9/", "--since", "last tuesday"]
    result = CliRunner().invoke(app, [*argv, "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "last tuesday" in result.output


def test_a_full_size_sitemap_listing_the_oldest_first_gives_its_new_pages(
    prefect_api, site, env, tmp_path
):
    # 50,000 URLs (about 6 MB, more than a feed may be) from 2024, then this month's pages
    env.setenv("WIREHOUSE_BACKFILL__MAX_URLS", "2")
    then = T0 - timedelta(days=900)
    old = [(f"/2024/05/01/a-typical-article-slug-number-{i}", then) for i in range(50_000)]
    new = [(f"/2026/11/{i}", T0 + timedelta(days=10 + i)) for i in range(3)]
    for path, _ in new:
        site.article(path)
    site.docs["/sitemap.xml"] = (XML, site.urlset(old + new))
    assert len(site.docs["/sitemap.xml"][1]) > 5_000_000  # http.feed_max_bytes
    db = tmp_path / "w.duckdb"
    summary = run_backfill(db, [site.url("/sitemap.xml")], since=T0.date().isoformat())

    # the URL cap counts pages kept, not the old ones --since leaves out
    assert summary.entries_seen == 2 and summary.new_articles == 2
    assert {r[0] for r in query(db, "SELECT url FROM articles")} == {
        site.url(p) for p, _ in new[:2]
    }
    # read in part for the cap: said so, and not a failed sitemap
    assert [r.reason for r in summary.rejected] == [
        "url_limit: more than 2 pages, the rest not read"
    ]
    assert (summary.feeds_fetched, summary.feeds_failed) == (1, 0)


def test_the_feed_list_entry_of_the_same_site_gives_its_rules(prefect_api, site, env, tmp_path):
    site.article("/tokyo/1")
    site.docs["/news.xml"] = (
        XML,
        (
            f'<urlset xmlns="{SM}" xmlns:news="{NEWS}"><url><loc>{site.url("/tokyo/1")}</loc>'
            "<news:news><news:publication><news:name>Tokyo Loop</news:name></news:publication>"
            "<news:publication_date>2026-11-02T09:00:00</news:publication_date>"
            "<news:title>Harbour opens</news:title></news:news></url></urlset>"
        ).encode(),
    )
    site.docs["/robots.txt"] = ({}, b"User-agent: PartnerBot\nDisallow: /tokyo/\n")
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(
        f'[[feeds]]\nurl = "{site.url("/feed.xml")}"\ntimezone = "Asia/Tokyo"\n'
        'user_agent = "PartnerBot/2.0 (+{contact})"\n'
        '[[feeds]]\nurl = "https://other.example/feed.xml"\nuser_agent = "OtherBot/1"\n',
        encoding="utf-8",
    )
    env.setenv("WIREHOUSE_FEEDS_FILE", str(feeds))
    env.setenv("WIREHOUSE_HTTP__CONTACT_URL", "mailto:ops@example.org")
    db = tmp_path / "w.duckdb"
    summary = run_backfill(db, [site.url("/news.xml")])

    # the partner's User-Agent for the sitemap, robots.txt and page, and its robots.txt rules
    assert site.agents == {"PartnerBot/2.0 (+mailto:ops@example.org)"}
    assert site.hits["/robots.txt"] == 1 and "/tokyo/1" not in site.hits
    [(status, published)] = query(db, "SELECT status, published_at FROM articles")
    assert status.startswith("page_failed:robots_disallowed")
    assert published == datetime(2026, 11, 2, 0, tzinfo=UTC)  # 9:00 in Tokyo
    assert summary.entries_seen == 1


@pytest.mark.parametrize("address", ["example.org/sitemap.xml", "ftp://example.org/", " "])
def test_an_address_that_is_no_url_is_refused_in_one_line_before_any_run(
    prefect_api, address, tmp_path
):
    from typer.testing import CliRunner

    from wirehouse.cli import app
    from wirehouse.errors import ConfigError

    db = tmp_path / "w.duckdb"
    argv = ["backfill", "--sitemap", "http://127.0.0.1:9/", "--sitemap", address]
    result = CliRunner().invoke(app, [*argv, "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "--sitemap" in result.output
    # the flow itself refuses it before it takes the lock or starts a run
    with pytest.raises(ConfigError, match="--sitemap"):
        run_backfill(db, ["http://127.0.0.1:9/", address])
    assert not db.exists() or query(db, "SELECT count(*) FROM runs") == [(0,)]
