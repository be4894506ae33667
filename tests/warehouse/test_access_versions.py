"""A wall met when a stored article's page is fetched again takes no text away: the teaser is
no new version where the stored text is longer and not the page's own teaser, and the stored
access stays; an edited teaser over a stored teaser is a version. A stored page extracted
again (reextract) is no fetch: the article's fetch time and status stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.walls import PAYWALLS, article_text, html, teaser
from wirehouse.config.settings import DedupSettings, ExtractSettings
from wirehouse.dedup.exact import decide_exact
from wirehouse.dedup.versions import screen_versions
from wirehouse.extractors.article import build_article
from wirehouse.extractors.page import extract_page
from wirehouse.records import Access, Article, Decision, Entry, Extracted, Known, Outcome, Page
from wirehouse.warehouse.articles import load_batch, stored_versions
from wirehouse.warehouse.dedupe import dedupe_and_load

LEAD = DedupSettings().claimed_lead

URL = "https://harbour.example/news/2026/12/01/ferry"
AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def article(body: bytes, at: datetime = AT) -> Article:
    entry = Entry(feed_url="https://harbour.example/rss", url=URL, url_key=URL, guid=None)
    extracted = extract_page(body, URL, settings=ExtractSettings(workers=1))
    assert isinstance(extracted, Extracted)
    return build_article(Page(entry, URL, body, "text/html", at), extracted)


def screened(con, decisions: list[Decision]) -> list[Decision]:
    return screen_versions(decisions, stored_versions(con, decisions, now=AT), per_day=5)


def stored_first(con, first: Article) -> dict[str, Known]:
    decided = decide_exact([first], by_url={}, by_claim={}, by_hash={}, refetched={}, lead=LEAD)
    load_batch(con, "r1", decided, now=AT)
    return {URL: Known(decided[0].article_id, first.content_hash, 1)}


def test_a_teaser_on_refetch_keeps_the_stored_text_and_access(con):
    whole = article(html("Ferry plan", article_text("stored")))
    known = stored_first(con, whole)

    stub = article(PAYWALLS["poool"]("Ferry plan", teaser("later")))
    assert stub.access == Access.PAYWALLED
    again = decide_exact([stub], by_url={}, by_claim={}, by_hash={}, refetched=known, lead=LEAD)
    assert again[0].outcome is Outcome.VERSION
    kept = screened(con, again)
    assert kept[0].outcome is Outcome.UNCHANGED and kept[0].version == 1
    load_batch(con, "r2", kept, now=AT)
    assert con.execute("SELECT text, access, version FROM articles").fetchall() == [
        (whole.text, "ok", 1)
    ]

    # a whole text changed on a later fetch is a version, as ever
    changed = article(html("Ferry plan", article_text("changed")))
    later = decide_exact([changed], by_url={}, by_claim={}, by_hash={}, refetched=known, lead=LEAD)
    assert screened(con, later)[0].outcome is Outcome.VERSION


@pytest.mark.parametrize("style", ["poool", "jsonld-bool", "piano"])
def test_an_edited_teaser_over_the_stored_teaser_is_a_version(con, style):
    # the page's own teaser is stored; the next fetch serves a shorter, edited teaser
    first = article(PAYWALLS[style]("Ferry plan", [*teaser("first"), "An extra lead line."]))
    assert first.access == Access.PAYWALLED and first.body_source == "page"
    known = stored_first(con, first)
    edited = article(PAYWALLS[style]("Ferry plan", teaser("edited")))
    assert edited.text is not None and first.text is not None
    assert len(edited.text) < len(first.text)
    again = decide_exact([edited], by_url={}, by_claim={}, by_hash={}, refetched=known, lead=LEAD)
    assert screened(con, again)[0].outcome is Outcome.VERSION
    # the same teaser again is no version
    same = decide_exact([first], by_url={}, by_claim={}, by_hash={}, refetched=known, lead=LEAD)
    assert screened(con, same)[0].outcome is Outcome.UNCHANGED


def test_a_teaser_leaves_the_feed_text_that_stood_in_for_it(con):
    feed_text = "\n".join(article_text("feed", 3))
    stub = article(PAYWALLS["poool"]("Ferry plan", teaser("first")))
    stored = replace(stub, text=feed_text, body_source="feed", content_hash="h-feed")
    known = stored_first(con, stored)
    again = decide_exact(
        [article(PAYWALLS["poool"]("Ferry plan", teaser("second")))],
        by_url={},
        by_claim={},
        by_hash={},
        refetched=known,
        lead=LEAD,
    )
    assert screened(con, again)[0].outcome is Outcome.UNCHANGED


@pytest.mark.parametrize("changed", [False, True])
def test_extracting_a_stored_page_again_is_no_fetch(con, changed):
    """reextract's load: the article's last fetch (later than its stored page) and status stay,
    whether the text is the same or a new version."""
    page = article(html("Ferry plan", article_text("stored")))
    dedup = DedupSettings()
    done = dedupe_and_load(con, "r1", [page], settings=dedup, now=AT)
    article_id = done.decisions[0].article_id
    later = AT + timedelta(hours=6)
    # a later fetch failed: the operator's record of it, which no re-extraction may undo
    con.execute("UPDATE articles SET last_fetched_at = ?, status = 'page_failed:http_503'", [later])
    known = {URL: Known(article_id, page.content_hash, 1)}
    again = article(html("Ferry plan", article_text("edited" if changed else "stored")))
    redone = dedupe_and_load(
        con,
        "reextract",
        [again],
        settings=dedup,
        now=later + timedelta(hours=1),
        refetched=known,
        fetched_now=False,
    )
    outcome = Outcome.VERSION if changed else Outcome.UNCHANGED
    assert redone.decisions[0].outcome is outcome
    assert con.execute("SELECT last_fetched_at, status, version FROM articles").fetchall() == [
        (later, "page_failed:http_503", 1 + changed)
    ]


def test_a_stored_stand_in_is_no_original_for_a_later_text(con):
    """A bot wall's feed summary stored first; another outlet's page with that very text later
    is its own article, not a copy of the stand-in."""
    text = "\n".join(article_text("summary", 1))
    walled = replace(
        article(html("Ferry plan", article_text("walled"))),
        text=text,
        content_hash="h-same",
        body_source="feed",
        access="bot_wall",
        status="page_failed:bot_wall",
    )
    dedup = DedupSettings()
    dedupe_and_load(con, "r1", [walled], settings=dedup, now=AT)
    other = Entry(
        feed_url="https://other.example/rss", url=URL + "-b", url_key=URL + "-b", guid=None
    )
    page = replace(walled, entry=other, url=other.url, access="ok", body_source="page")
    page = replace(page, status="ok")
    done = dedupe_and_load(con, "r2", [page], settings=dedup, now=AT)
    assert done.decisions[0].outcome is Outcome.NEW
