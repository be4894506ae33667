"""Rows users can trust, in a real DuckDB warehouse: demotions keep every text, a back-dated
claim does not win, text-less entries are articles but never copies, retries back off and give
up, versions are capped, and migration 008 keeps every row."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from tests.factories import entry
from tests.warehouse.test_similar import WIRE, art, ingest, owner, reprint
from wirehouse.config.settings import DedupSettings
from wirehouse.dedup.exact import decide_exact
from wirehouse.extractors.article import article_from_feed, pending_article
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.records import Article, Entry, Known, Outcome
from wirehouse.warehouse.articles import load_batch, lookups_for
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.entries import RefetchPolicy, retry_due, triage_entries
from wirehouse.warehouse.migrate import available_migrations, migrate

LEAD = DedupSettings().claimed_lead

T = datetime(2025, 3, 6, 11, tzinfo=UTC)
SETTINGS = DedupSettings()


# -- demotions keep every text; a back-dated claim is weighed --------------------------------


def test_a_demoted_copy_keeps_its_row_url_outlet_and_text(con):
    copy = dataclasses.replace(
        art("https://ledger.test/b", reprint(WIRE), at=T), sitename="The Ledger"
    )
    [stored], _ = ingest(con, [copy])
    [original], _ = ingest(
        con, [art("https://wire.test/a", WIRE, at=T - timedelta(hours=2), title="Original")]
    )
    assert original.outcome is Outcome.NEW
    assert con.execute(
        "SELECT article_id, url, sitename, text, duplicate_of, demoted_reason FROM demoted_articles"
    ).fetchall() == [
        (
            stored.article_id,
            "https://ledger.test/b",
            "The Ledger",
            reprint(WIRE),
            original.article_id,
            "earlier_published",
        )
    ]
    assert con.execute("SELECT article_id, canonical_reason FROM articles").fetchall() == [
        (original.article_id, "earlier_published")
    ]
    # its versions stay under its own id
    assert con.execute(
        "SELECT text FROM article_versions WHERE article_id = ?", [stored.article_id]
    ).fetchall() == [(reprint(WIRE),)]


@pytest.mark.parametrize("claimed_days", [3, 30, 400, 365 * 20])
def test_a_copy_claiming_a_date_long_before_it_was_seen_does_not_take_over(con, claimed_days):
    [stored], _ = ingest(con, [art("https://wire.test/a", WIRE, at=T)])
    copy = dataclasses.replace(
        art("https://evil.test/copy", reprint(WIRE), at=T + timedelta(hours=1)),
        published_at=T - timedelta(days=claimed_days),
    )
    [late], _ = ingest(con, [copy])
    assert late.outcome is Outcome.DUPLICATE and late.article_id == stored.article_id
    assert con.execute("SELECT article_id, canonical_reason FROM articles").fetchall() == [
        (stored.article_id, "first_seen")
    ]
    assert con.execute("SELECT count(*) FROM demoted_articles").fetchall() == [(0,)]
    assert owner(con, "https://evil.test/copy")[:2] == (stored.article_id, "near")


@pytest.mark.parametrize("copy_first", [True, False], ids=["copy-first", "copy-last"])
@pytest.mark.parametrize("text", [WIRE, reprint(WIRE)], ids=["exact", "near"])
@pytest.mark.parametrize("claimed_days", [3, 30, 400, 365 * 20])
def test_a_copy_claiming_a_date_long_before_it_was_seen_does_not_take_over_its_batch(
    con, claimed_days, text, copy_first
):
    """The same claim arriving in the batch of the article it copies, in either order."""
    original = art("https://wire.test/a", WIRE, at=T)
    copy = dataclasses.replace(
        art("https://evil.test/copy", text, at=T + timedelta(minutes=1)),
        published_at=T - timedelta(days=claimed_days),
    )
    batch = [copy, original] if copy_first else [original, copy]
    decisions, _ = ingest(con, batch)
    by_url = {d.article.url: d for d in decisions}
    assert by_url["https://wire.test/a"].outcome is Outcome.NEW
    assert by_url["https://evil.test/copy"].outcome is Outcome.DUPLICATE
    kept = by_url["https://wire.test/a"].article_id
    assert con.execute("SELECT article_id, url FROM articles").fetchall() == [
        (kept, "https://wire.test/a")
    ]
    assert owner(con, "https://evil.test/copy")[:2] == (kept, "exact" if text == WIRE else "near")


@pytest.mark.parametrize("fetched_hours_later", [0, 2, 30])
@pytest.mark.parametrize("text", [WIRE, reprint(WIRE)], ids=["exact", "near"])
def test_in_a_batch_the_original_wins_by_its_date_whenever_it_is_fetched(
    con, text, fetched_hours_later
):
    """Published 49 and 47 hours before the fetch: the lead (2 hours) decides, not how old
    either date is when the batch is fetched."""
    at = T + timedelta(hours=fetched_hours_later)
    wire = dataclasses.replace(
        art("https://wire.test/a", WIRE, at=at), published_at=T - timedelta(hours=49)
    )
    copy = dataclasses.replace(
        art("https://ledger.test/b", text, at=at), published_at=T - timedelta(hours=47)
    )
    decisions, _ = ingest(con, [copy, wire])
    assert [d.outcome for d in decisions] == [Outcome.DUPLICATE, Outcome.NEW]
    assert con.execute("SELECT url FROM articles").fetchall() == [("https://wire.test/a",)]


def test_a_stored_copy_reached_through_another_copy_of_the_batch_is_still_demoted(con):
    """The original leads the stored reprint by 3 hours; a third copy in the batch links it to
    the stored one too, and changes nothing."""
    stored = dataclasses.replace(
        art("https://ledger.test/s", reprint(WIRE), at=T - timedelta(hours=40)),
        published_at=T - timedelta(hours=47),
    )
    ingest(con, [stored])
    wire = dataclasses.replace(
        art("https://wire.test/o", WIRE, at=T), published_at=T - timedelta(hours=50)
    )
    mirror = dataclasses.replace(
        art("https://mirror.test/x", WIRE.replace("percent", "per cent", 1), at=T),
        published_at=T - timedelta(hours=10),
    )
    ingest(con, [mirror, wire])
    assert con.execute("SELECT url FROM articles").fetchall() == [("https://wire.test/o",)]
    assert con.execute("SELECT url FROM demoted_articles").fetchall() == [
        ("https://ledger.test/s",)
    ]


@pytest.mark.parametrize("text", [WIRE, reprint(WIRE)], ids=["exact", "near"])
def test_a_batch_of_old_pages_still_ranks_its_copies_by_their_dates(con, text):
    """A backfill: every date weeks before first sight, the earliest copy is the article."""
    old = T - timedelta(days=25)
    reprinted = dataclasses.replace(
        art("https://ledger.test/b", text, at=T), published_at=old + timedelta(hours=3)
    )
    wire = dataclasses.replace(art("https://wire.test/a", WIRE, at=T), published_at=old)
    decisions, _ = ingest(con, [reprinted, wire])
    assert [d.outcome for d in decisions] == [Outcome.DUPLICATE, Outcome.NEW]
    assert con.execute("SELECT url FROM articles").fetchall() == [("https://wire.test/a",)]


@pytest.mark.parametrize("earlier_hours", [1, 20, 47])
def test_an_original_seen_after_its_reprint_within_the_window_becomes_canonical(con, earlier_hours):
    [stored], _ = ingest(con, [art("https://ledger.test/b", reprint(WIRE), at=T)])
    wire = dataclasses.replace(
        art("https://wire.test/a", WIRE, at=T + timedelta(hours=1)),
        published_at=T - timedelta(hours=earlier_hours),
    )
    [original], _ = ingest(con, [wire])
    assert original.outcome is Outcome.NEW
    assert con.execute("SELECT article_id FROM demoted_articles").fetchall() == [
        (stored.article_id,)
    ]


def test_copies_of_an_old_story_first_seen_weeks_later_still_rank_by_their_dates(con):
    """A feed polled late (or an archive backfill): both dates are weeks before first sight,
    and the original, fetched after its reprint, is still the canonical copy."""
    old = T - timedelta(days=25)
    stored_copy = dataclasses.replace(
        art("https://ledger.test/b", reprint(WIRE), at=T), published_at=old + timedelta(hours=1)
    )
    [stored], _ = ingest(con, [stored_copy])
    wire = dataclasses.replace(
        art("https://wire.test/a", WIRE, at=T + timedelta(minutes=5)), published_at=old
    )
    [original], _ = ingest(con, [wire])
    assert original.outcome is Outcome.NEW
    assert con.execute("SELECT article_id, duplicate_of FROM demoted_articles").fetchall() == [
        (stored.article_id, original.article_id)
    ]


def test_a_stored_cross_site_canonical_key_no_longer_matches(con):
    """A row stored before claims were screened may hold another site's URL as its key."""
    attacker = dataclasses.replace(
        art("https://evil.test/copy", "Attacker text " * 40, at=T),
        canonical_url="https://victim.test/real",
        canonical_key="https://victim.test/real",
    )
    ingest(con, [attacker])
    victim = art("https://victim.test/real", WIRE, at=T + timedelta(hours=1))
    assert lookups_for(con, [victim]).by_claim == {}
    [d], _ = ingest(con, [victim])
    assert d.outcome is Outcome.NEW


# -- every entry kept; text-less ones are never copies -------------------------------------

EMPTY_FEED_TEXTS = [None, "", "   ", "\n\t\n", "\u00a0", " \u00a0 \n "]


def feed_entry(n: int, summary: str | None) -> Entry:
    return dataclasses.replace(
        entry(f"https://paper{n % 3}.test/story-{n}", feed=f"https://paper{n % 3}.test/rss"),
        title=f"Headline {n}",
        summary=summary,
        published_at=T,
    )


def test_entries_without_feed_text_are_distinct_articles_never_duplicates(con):
    first = [
        article_from_feed(feed_entry(n, s), reason="http_403", fetched_at=T)
        for n, s in enumerate(EMPTY_FEED_TEXTS)
    ]
    later = [
        article_from_feed(feed_entry(n + 10, s), reason="timeout:read", fetched_at=T)
        for n, s in enumerate(EMPTY_FEED_TEXTS)
    ]
    for batch in (first, later):
        decisions, _ = ingest(con, batch)
        assert {d.outcome for d in decisions} == {Outcome.NEW}
    assert con.execute(
        "SELECT count(DISTINCT article_id), count(*) FILTER (WHERE text IS NULL),"
        " count(*) FILTER (WHERE status LIKE 'page_failed:%'), max(version) FROM articles"
    ).fetchall() == [(12, 12, 12, 0)]
    assert con.execute("SELECT count(*) FROM article_versions").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM near_signatures").fetchall() == [(0,)]


# -- retries back off and give up; versions are capped ----------------------------------------


def test_retries_back_off_doubling_up_to_every_and_stop_at_the_give_up_age():
    policy = RefetchPolicy(every=timedelta(hours=6), give_up=timedelta(days=7))
    first = T
    attempts = [first]
    now = first
    while now < first + timedelta(days=8):
        now += timedelta(minutes=15)  # a run every 15 minutes
        if retry_due(first, attempts[-1], now=now, policy=policy):
            attempts.append(now)
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] == timedelta(minutes=15)
    assert all(b >= a for a, b in itertools.pairwise(gaps))  # never shorter
    assert max(gaps) <= timedelta(hours=6, minutes=15)
    assert attempts[-1] < first + timedelta(days=7)
    assert 25 <= len(attempts) <= 45  # one outlet's dead link costs tens of requests, not 700


def test_a_given_up_article_keeps_its_feed_text_or_its_last_reason(con):
    with_text = article_from_feed(
        feed_entry(1, "A teaser of the story."), reason="http_403", fetched_at=T
    )
    without = article_from_feed(feed_entry(2, None), reason="dns_error:gone", fetched_at=T)
    ingest(con, [with_text, without])
    feeds = {with_text.entry.feed_url, without.entry.feed_url}
    policy = RefetchPolicy(give_up=timedelta(days=7))
    due = triage_entries(con, [], now=T + timedelta(days=1), policy=policy, retry_feeds=feeds)
    assert sorted(e.url for e in due.to_fetch) == sorted([with_text.url, without.url])
    triage_entries(con, [], now=T + timedelta(days=7), policy=policy, retry_feeds=feeds)
    assert dict(con.execute("SELECT url, status FROM articles").fetchall()) == {
        with_text.url: "feed_only",
        without.url: "gave_up:dns_error:gone",
    }
    late = triage_entries(con, [], now=T + timedelta(days=8), policy=policy, retry_feeds=feeds)
    assert late.to_fetch == []


def test_pages_never_fetched_or_of_a_feed_no_longer_listed_are_given_up_too(con):
    """A pending page (a budget's, a long Retry-After's) says why it has no text; a feed taken
    off the list has its pages retried no more, so they get their final status all the same."""
    pending = pending_article(feed_entry(1, None), seen_at=T)
    unlisted = article_from_feed(feed_entry(2, None), reason="http_500", fetched_at=T)
    ingest(con, [pending, unlisted])
    listed = {pending.entry.feed_url}
    assert unlisted.entry.feed_url not in listed
    policy = RefetchPolicy(give_up=timedelta(days=7))
    due = triage_entries(con, [], now=T + timedelta(days=1), policy=policy, retry_feeds=listed)
    assert [e.url for e in due.to_fetch] == [pending.url]
    triage_entries(con, [], now=T + timedelta(days=7), policy=policy, retry_feeds=listed)
    assert dict(con.execute("SELECT url, status FROM articles").fetchall()) == {
        pending.url: "gave_up:not_fetched",
        unlisted.url: "gave_up:http_500",
    }


def test_versions_beyond_the_daily_cap_are_not_stored(con):
    [d], _ = ingest(con, [art("https://wire.test/a", WIRE, at=T)])
    known = Known(d.article_id, content_hash(WIRE), 1)
    for i in range(5):
        text = WIRE + f"\n\nCorrection {i}: an earlier version misnamed the harbour master."
        page = art("https://wire.test/a", text, at=T + timedelta(hours=i + 1))
        refetch(con, page, known, per_day=2)
        row = con.execute("SELECT content_hash, version FROM articles").fetchone()
        known = Known(d.article_id, row[0], row[1])
    assert con.execute("SELECT version FROM articles").fetchall() == [(3,)]
    # a day later the cap has room again
    text = WIRE + "\n\nA later update on the harbour board's vote, a day after."
    refetch(
        con, art("https://wire.test/a", text, at=T + timedelta(days=1, hours=3)), known, per_day=2
    )
    assert con.execute("SELECT version FROM articles").fetchall() == [(4,)]


def refetch(con, page: Article, known: Known, *, per_day: int) -> None:
    """A page fetched again on purpose, through the ingest flow's batch path."""
    settings = DedupSettings(versions_per_day=per_day)
    with transaction(con):
        dedupe_and_load(
            con,
            "run",
            [page],
            settings=settings,
            now=page.fetched_at,
            refetched={page.entry.url_key: known},
        )


def _refetch(con, known: Known, text: str, at: datetime, *, updated: datetime) -> Known:
    page = art("https://wire.test/a", text, at=at)
    page = dataclasses.replace(page, entry=dataclasses.replace(page.entry, updated_at=updated))
    refetch(con, page, known, per_day=1)
    row = con.execute("SELECT content_hash, version FROM articles").fetchone()
    return Known(known.article_id, row[0], row[1])


def _fetch_marks(con) -> tuple:
    return con.execute(
        "SELECT a.last_fetched_at, u.entry_updated_at, a.version"
        " FROM articles a JOIN article_urls u USING (article_id)"
    ).fetchone()


def test_a_change_held_back_by_the_cap_is_not_taken_as_fetched(con):
    [d], _ = ingest(con, [art("https://wire.test/a", WIRE, at=T)])
    known = Known(d.article_id, content_hash(WIRE), 1)
    first = WIRE + "\n\nCorrection: the vote was on Wednesday."
    known = _refetch(con, known, first, T + timedelta(hours=1), updated=T + timedelta(hours=1))
    before = _fetch_marks(con)
    assert before == (T + timedelta(hours=1), T + timedelta(hours=1), 2)
    # a real change over the cap: not stored, and the entry's <updated> and the fetch time are
    # not recorded, so the re-fetch policy asks for the page again
    second = first + "\nThe fares rise by 12 per cent."
    known = _refetch(con, known, second, T + timedelta(hours=2), updated=T + timedelta(hours=2))
    assert _fetch_marks(con) == before
    # the same text fetched again (not a change) is remembered as fetched
    known = _refetch(con, known, first, T + timedelta(hours=3), updated=T + timedelta(hours=3))
    assert _fetch_marks(con) == (T + timedelta(hours=3), T + timedelta(hours=3), 2)
    # once the cap has room the held-back change becomes a version
    _refetch(con, known, second, T + timedelta(days=1, hours=2), updated=T + timedelta(hours=2))
    assert _fetch_marks(con)[2] == 3


# -- migration 008 keeps every row ----------------------------------------------------------


def test_migration_008_keeps_every_row_and_says_where_texts_came_from(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    for m in available_migrations():
        if m.version < 8:
            con.execute(m.sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [m.version, m.name])
    page = art("https://wire.test/a", WIRE, at=T)
    teaser = dataclasses.replace(art("https://paper.test/b", "A teaser.", at=T), body_source="feed")
    old_cols = [r[0] for r in con.execute("DESCRIBE articles").fetchall()]
    for i, a in enumerate((page, teaser)):
        values = {
            "article_id": f"id{i}", "url": a.url, "url_key": a.entry.url_key, "title": a.title,
            "text": a.text, "published_at_source": "feed", "feed_url": a.entry.feed_url,
            "content_hash": a.content_hash, "body_source": a.body_source, "version": 1,
            "first_seen_at": T, "updated_at": T, "last_fetched_at": T,
        }  # fmt: skip
        cols = [c for c in old_cols if c in values]
        con.execute(
            f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [values[c] for c in cols],
        )
        con.execute(
            "INSERT INTO article_versions (article_id, version, title, text, content_hash,"
            " body_source, fetched_at) VALUES (?, 1, ?, ?, ?, ?, ?)",
            [f"id{i}", a.title, a.text, a.content_hash, a.body_source, T],
        )
    before = {
        t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
        for t in ("articles", "article_versions")
    }
    assert 8 in migrate(con)
    # every row, and every old column's value, is still there
    assert (
        sorted(map(repr, con.execute(f"SELECT {', '.join(old_cols)} FROM articles").fetchall()))
        == before["articles"]
    )
    assert (
        sorted(map(repr, con.execute("SELECT * FROM article_versions").fetchall()))
        == before["article_versions"]
    )
    assert con.execute(
        "SELECT article_id, status, canonical_reason FROM articles ORDER BY 1"
    ).fetchall() == [
        ("id0", "ok", "first_seen"),
        ("id1", "page_failed:before_status", "first_seen"),
    ]
    assert con.execute("SELECT text FROM articles ORDER BY article_id").fetchall() == [
        (WIRE,),
        ("A teaser.",),
    ]
    # and a text-less article now loads into it
    load_batch(
        con,
        "run",
        decide_exact(
            [article_from_feed(feed_entry(7, None), reason="http_404", fetched_at=T)],
            by_url={},
            by_claim={},
            by_hash={},
            refetched={},
            lead=LEAD,
        ),
        now=T,
    )
    assert con.execute("SELECT count(*) FROM articles WHERE text IS NULL").fetchall() == [(1,)]
    con.close()
