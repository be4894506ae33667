"""A paywall met when a stored article's page is fetched again takes no text away: the teaser is
no new version, and the stored access stays."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.walls import PAYWALLS, article_text, html, teaser
from wirehouse.config.settings import ExtractSettings
from wirehouse.dedup.exact import decide_exact
from wirehouse.extractors.article import build_article
from wirehouse.extractors.page import extract_page
from wirehouse.records import Access, Article, Entry, Extracted, Known, Outcome, Page
from wirehouse.warehouse.articles import load_batch, version_screen

URL = "https://harbour.example/news/2026/12/01/ferry"
AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def article(body: bytes) -> Article:
    entry = Entry(feed_url="https://harbour.example/rss", url=URL, url_key=URL, guid=None)
    extracted = extract_page(body, URL, settings=ExtractSettings(workers=1))
    assert isinstance(extracted, Extracted)
    return build_article(Page(entry, URL, body, "text/html", AT), extracted)


def test_a_teaser_on_refetch_keeps_the_stored_text_and_access(con):
    whole = article(html("Ferry plan", article_text("stored")))
    first = decide_exact([whole], by_canonical={}, by_hash={}, refetched={})
    load_batch(con, "r1", first, now=AT)
    known = {URL: Known(first[0].article_id, whole.content_hash, 1)}

    stub = article(PAYWALLS["poool"]("Ferry plan", teaser("later")))
    assert stub.access == Access.PAYWALLED
    again = decide_exact([stub], by_canonical={}, by_hash={}, refetched=known)
    assert again[0].outcome is Outcome.VERSION
    screened = version_screen(con, again, now=AT, per_day=5)
    assert screened[0].outcome is Outcome.UNCHANGED and screened[0].version == 1
    load_batch(con, "r2", screened, now=AT)
    assert con.execute("SELECT text, access, version FROM articles").fetchall() == [
        (whole.text, "ok", 1)
    ]

    # a whole text changed on a later fetch is a version, as ever
    changed = article(html("Ferry plan", article_text("changed")))
    later = decide_exact([changed], by_canonical={}, by_hash={}, refetched=known)
    assert version_screen(con, later, now=AT, per_day=5)[0].outcome is Outcome.VERSION
