"""Every entry is kept, a failed re-fetch overwrites nothing, and no site takes over another's
article: the real ingest flow, loopback HTTP, a real DuckDB file, the test Prefect server.

The feed corpus is `devkit/evals/entries.py` (the `make eval` gate): every format and encoding,
every kind of empty description, pages failing in every way.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb
import pytest

from devkit.evals.entries import (
    Origin,
    build_corpus,
    kept,
    paragraphs,
    run_env,
    run_ingest,
    serving,
)
from devkit.loopback import Answer, base_of, start_site, stop_sites
from devkit.ports import free_port
from wirehouse.flows.ingest import ingest
from wirehouse.warehouse.digest import digest_data, render_digest
from wirehouse.warehouse.entries import RefetchPolicy, triage_entries
from wirehouse.warehouse.search import PAGE_NOT_FETCHED, refresh_index, search


@pytest.fixture(name="run_env", scope="module")
def run_env_fixture() -> Iterator[None]:
    with run_env():
        yield


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


# -- 2. every entry kept when its page fails -----------------------------------------------


@pytest.fixture(scope="module")
def corpus(prefect_api, run_env, tmp_path_factory) -> Iterator[tuple[Path, list[Origin]]]:
    db = tmp_path_factory.mktemp("entries") / "w.duckdb"
    port = free_port()
    with serving(build_corpus(), port) as origins:
        run_ingest(origins, db)
        yield db, origins


def test_eval_gate_every_linked_entry_becomes_an_article_when_its_page_fails(corpus):
    db, origins = corpus
    result = kept(db, origins)
    assert result["missing"] == []
    assert result["share_kept"] == 1.0 and result["entries"] == 180
    # only the teasers had text: every other kind was stored without any
    assert result["without_text"] == 160


def test_each_kept_entry_says_what_is_missing_and_why(corpus):
    db, origins = corpus
    stored = {
        url: (status, text, body_source, title)
        for url, status, text, body_source, title in rows(
            db,
            "SELECT u.url, a.status, a.text, a.body_source, a.title"
            " FROM article_urls u JOIN articles a USING (article_id)",
        )
    }
    expected_reason = {
        "http_403": "http_403",
        "http_404": "http_404",
        "http_500": "http_500",
        "timeout": "timeout",
        "not_html": "not_html",
        "refused": "connect_error",
        # not_html: what the fetcher or the extractor says of a PNG
        "dns": "dns_error",
    }
    for origin in origins:
        for item in origin.items:
            status, text, body_source, title = stored[item.link]
            assert status.startswith("page_failed:"), status
            assert expected_reason[item.failure] in status, (item.failure, status)
            assert title == item.title
            if item.text_kind == "teaser":
                assert text and origin.name in text and body_source == "feed"
            else:
                assert text is None and body_source == "none"


def test_text_less_articles_are_never_copies_of_each_other(corpus):
    db, _ = corpus
    assert rows(
        db,
        "SELECT count(*) FROM article_urls u JOIN articles a USING (article_id)"
        " WHERE a.text IS NULL AND u.match_kind IN ('exact', 'near')",
    ) == [(0,)]
    assert rows(
        db, "SELECT count(*), count(DISTINCT article_id) FROM articles WHERE text IS NULL"
    ) == [(160, 160)]


def test_the_pending_view_lists_them_by_outlet_and_reason(corpus):
    db, _ = corpus
    listed = rows(db, "SELECT outlet, reason, articles, without_text FROM pending_pages")
    assert sum(r[2] for r in listed) == 180
    assert sum(r[3] for r in listed) == 160
    reasons = {r[1].split(":")[0] for r in listed}
    assert {"http_403", "http_404", "http_500", "not_html", "dns_error"} <= reasons


def test_digest_and_search_show_text_less_articles_by_headline(corpus, tmp_path):
    db, origins = corpus
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    with duckdb.connect(str(copy)) as con:
        digest = digest_data(con, now=datetime.now(UTC))
        page = render_digest(digest)
        refresh_index(con)
        hits = search(con, "Hafen image_only", limit=50)
    waiting = [s for s in digest.stories if s.waiting]
    assert len(waiting) == 160  # one entry each, not one lump of story-less articles
    assert "Page not fetched yet." in page
    assert any(
        o.items[5].title in (s.title for s in waiting) for o in origins
    )  # the headline shows
    assert hits and all(h.snippet == PAGE_NOT_FETCHED for h in hits if "image_only" in h.title)


def test_a_page_that_comes_back_fills_the_same_article_and_the_rest_give_up_later(corpus):
    db, origins = corpus
    before = dict(rows(db, "SELECT url, article_id FROM articles"))
    for origin in origins:
        origin.repaired = True
    # the feeds did not change: the retries come from the warehouse, not from a new listing
    asyncio.run(ingest(feeds=[o.feed_url for o in origins], db=str(db)))
    after = {
        url: (aid, status, text, version)
        for url, aid, status, text, version in rows(
            db, "SELECT url, article_id, status, text, version FROM articles"
        )
    }
    assert {u: v[0] for u, v in after.items()} == before  # no second article, no URL lost
    for origin in origins:
        for item in origin.items:
            _, status, text, version = after[item.link]
            if item.failure in ("refused", "dns"):
                assert status.startswith("page_failed:"), (item, status)
            else:
                # a teaser was version 1; the page's text is the next one
                expected = 2 if item.text_kind == "teaser" else 1
                assert status == "ok" and text and version == expected, (item, status)
    assert rows(db, "SELECT count(*) FROM article_versions WHERE body_source = 'page'") == [
        (sum(1 for o in origins for i in o.items if i.failure not in ("refused", "dns")),)
    ]
    # past the give-up age the rest get a final status
    with duckdb.connect(str(db)) as con:
        triage_entries(
            con,
            [],
            now=datetime.now(UTC) + timedelta(days=8),
            policy=RefetchPolicy(give_up=timedelta(days=7)),
            retry_feeds={o.feed_url for o in origins},
        )
    final = rows(
        db,
        "SELECT split_part(status, ':', 1), text IS NULL, count(*) FROM articles"
        " WHERE status <> 'ok' GROUP BY ALL ORDER BY ALL",
    )
    assert {(s, no_text) for s, no_text, _ in final} == {("feed_only", False), ("gave_up", True)}


# -- 3. a failed re-fetch changes nothing; versions only for meaningful changes -------------


@dataclass
class Site:
    """One loopback origin with mutable pages and feed."""

    pages: dict[str, Answer] = field(default_factory=dict)
    feed: bytes = b""
    slow: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return base_of(self.server)

    def answer(self, path: str) -> Answer:
        if path == "/feed.xml":
            found: Answer = (200, "application/atom+xml", self.feed)
        else:
            found = self.pages.get(path, (404, "text/plain", b"no"))
        if path in self.slow:
            threading.Event().wait(4)
        return found


@contextlib.contextmanager
def sites(n: int) -> Iterator[list[Site]]:
    made = [Site() for _ in range(n)]
    try:
        for site in made:
            site.server = start_site(site.answer)
        yield made
    finally:
        stop_sites(site.server for site in made)


def atom(site: Site, entries: list[tuple[str, str, str]], updated: str) -> bytes:
    """(path, title, summary) entries, all showing `updated`."""
    body = "".join(
        f"<entry><title>{escape(t)}</title><id>{site.base}{p}</id>"
        f"<link href='{site.base}{p}'/><updated>{updated}</updated>"
        f"<summary>{escape(s)}</summary></entry>"
        for p, t, s in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Site</title><id>{site.base}/</id><updated>{updated}</updated>{body}</feed>"
    ).encode()


def page(title: str, paragraphs: list[str], *, extra_head: str = "", dateline: str = "") -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"{extra_head}</head><body><article><h1>{escape(title)}</h1>"
        f"{f'<p>{escape(dateline)}</p>' if dateline else ''}{body}</article></body></html>"
    ).encode()


FAILURES = {
    "http_500": (500, "text/html", b"<html>down</html>"),
    "http_403": (403, "text/html", b"<html>denied</html>"),
    "not_html": (200, "application/pdf", b"%PDF-1.4 " + b"0" * 300),
    "no_text": (200, "text/html", b"<html><body><p>Subscribe to read.</p></body></html>"),
    "timeout": None,
}


@pytest.fixture
def refetch_env() -> Iterator[None]:
    with run_env(WIREHOUSE_DEDUP__VERSIONS_PER_DAY="2"):
        yield


def test_a_failed_refetch_keeps_the_text_and_only_meaningful_changes_are_versions(
    prefect_api, refetch_env, tmp_path
):
    db = tmp_path / "w.duckdb"
    with sites(len(FAILURES)) as made:
        by_mode = dict(zip(FAILURES, made, strict=True))
        text = {m: paragraphs(m) for m in FAILURES}

        def publish(updated: str, *, body: dict[str, list[str]], dateline: str = "") -> None:
            for mode, site in by_mode.items():
                site.pages["/story"] = (
                    200,
                    "text/html; charset=utf-8",
                    page(f"Story {mode}", body[mode], dateline=dateline),
                )
                site.slow.discard("/story")
                site.feed = atom(site, [("/story", f"Story {mode}", f"Teaser {mode}.")], updated)

        def run() -> None:
            asyncio.run(ingest(feeds=[s.base + "/feed.xml" for s in made], db=str(db)))

        def state() -> dict[str, tuple[str, int, str]]:
            got = rows(db, "SELECT url, text, version, status FROM articles")
            return {u: (t, v, s) for u, t, v, s in got}

        publish("2026-12-01T08:00:00Z", body=text, dateline="Updated 08:00 GMT")
        run()
        first = state()
        assert len(first) == len(FAILURES) and all(v == (v[0], 1, "ok") for v in first.values())

        # the entry is updated, and the page fails in every way: nothing stored changes
        publish("2026-12-01T09:00:00Z", body=text)
        for mode, site in by_mode.items():
            if FAILURES[mode] is None:
                site.slow.add("/story")
            else:
                site.pages["/story"] = FAILURES[mode]  # type: ignore[assignment]
        run()
        assert state() == first
        failed = rows(
            db,
            "SELECT count(*) FROM fetches WHERE kind = 'page' AND url LIKE '%/story'"
            " AND (error IS NOT NULL OR status >= 400)",
        )
        assert failed[0][0] >= 3  # the failures are recorded (404-like statuses and errors)
        assert rows(db, "SELECT count(*) FROM article_versions") == [(len(FAILURES),)]

        # the page is back with a new date line, spacing and punctuation: not a new version
        respaced = {
            m: [p.replace(" ", "  ").replace(".", " !").upper() for p in ps]
            for m, ps in text.items()
        }
        publish("2026-12-01T10:00:00Z", body=respaced, dateline="Updated 10:42 GMT, 1 Dec 2026")
        run()
        assert {u: v[1] for u, v in state().items()} == {u: 1 for u in first}

        # a page whose words change on every poll: at most 2 new versions a day (the setting)
        for poll in range(3):
            changed = {m: paragraphs(f"{m}-{poll}") for m in FAILURES}
            publish(f"2026-12-01T1{1 + poll}:00:00Z", body=changed)
            run()
        assert {u: v[1] for u, v in state().items()} == {u: 3 for u in first}
        assert rows(db, "SELECT count(*) FROM article_versions") == [(3 * len(FAILURES),)]


# -- 4. no outlet takes over another's article ----------------------------------------------


def test_a_canonical_link_to_another_site_does_not_take_over_its_article(
    prefect_api, run_env, tmp_path
):
    db = tmp_path / "w.duckdb"
    with sites(2) as (evil, victim):
        victim_url = f"{victim.base}/news/2026/12/01/harbour-vote"
        heads = [  # the ways a page declares its canonical URL
            f"<link rel='canonical' href='{victim_url}'>",
            f'<link href="{victim_url}" rel="CANONICAL" />',
            f"<meta property='og:url' content='{victim_url}'>",
        ]
        evil_pages = []
        for i, head in enumerate(heads):
            path = f"/copy-{i}"
            evil.pages[path] = (
                200,
                "text/html",
                page(f"Fake {i}", paragraphs(f"evil-{i}"), extra_head=head),
            )
            evil_pages.append((path, f"Fake {i}", "x"))
        evil.feed = atom(evil, evil_pages, "2026-12-01T08:00:00Z")
        asyncio.run(ingest(feeds=[evil.base + "/feed.xml"], db=str(db)))

        real = paragraphs("the real story")
        victim.pages["/news/2026/12/01/harbour-vote"] = (200, "text/html", page("Vote", real))
        # and a same-site AMP copy whose canonical is the article: folded, as before
        victim.pages["/amp/harbour-vote"] = (
            200,
            "text/html",
            page(
                "Vote", paragraphs("amp"), extra_head=f"<link rel='canonical' href='{victim_url}'>"
            ),
        )
        victim.feed = atom(
            victim,
            [("/news/2026/12/01/harbour-vote", "Vote", "x"), ("/amp/harbour-vote", "Vote", "x")],
            "2026-12-01T09:00:00Z",
        )
        asyncio.run(ingest(feeds=[victim.base + "/feed.xml"], db=str(db)))

    [(aid, text, kind)] = rows(
        db,
        "SELECT a.article_id, a.text, u.match_kind FROM article_urls u"
        " JOIN articles a USING (article_id) WHERE u.url = ?",
        victim_url,
    )
    assert kind == "new" and real[0] in text
    amp = rows(db, "SELECT article_id, match_kind FROM article_urls WHERE url LIKE '%/amp/%'")
    assert amp == [(aid, "canonical")]
    claims = rows(db, "SELECT claimed_url, trusted FROM canonical_claims ORDER BY url")
    assert claims == [(victim_url, False)] * len(heads)
    # the claimers keep their own articles, their declared canonical kept as provenance only
    assert rows(
        db,
        "SELECT count(*) FROM articles WHERE canonical_url = ? AND canonical_key IS NULL",
        victim_url,
    ) == [(len(heads),)]
