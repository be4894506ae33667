"""Per-feed and per-run page budgets, newest first, shared round-robin, no loss: what a budget
leaves is stored at once as a pending article and fetched by later runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from tests.factories import article, entry
from wirehouse.config.settings import DedupSettings
from wirehouse.extractors.article import pending_articles
from wirehouse.records import Entry, Known
from wirehouse.warehouse.articles import store_pending
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.entries import (
    Budget,
    RefetchPolicy,
    Triage,
    apply_budget,
    triage_entries,
)
from wirehouse.warehouse.migrate import migrate

LEAD = DedupSettings().claimed_lead

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def entries(feed: str, n: int, *, dated: bool = True, hosts: int = 1) -> list[Entry]:
    """n entries of `feed`, listed oldest first (the worst order for "newest first")."""
    out = []
    for i in range(n):
        url = f"http://h{i % hosts}.example:80/{feed}/{i}"
        out.append(
            Entry(
                feed_url=f"http://{feed}.example/rss",
                url=url,
                url_key=url,
                guid=None,
                published_at=T0 + timedelta(minutes=i) if dated else None,
            )
        )
    return out


def test_a_feed_gets_its_newest_entries_first_and_the_rest_is_deferred():
    feed = entries("big", 500)
    result = apply_budget(Triage(to_fetch=list(feed)), Budget(per_feed=50, per_run=1_000))
    assert len(result.to_fetch) == 50 and len(result.deferred) == 450
    assert {e.url for e in result.to_fetch} == {e.url for e in feed[-50:]}
    assert {e.url for e in result.to_fetch} | {e.url for e in result.deferred} == {
        e.url for e in feed
    }


def test_undated_entries_keep_feed_order_after_dated_ones():
    dated, undated = entries("a", 3), entries("a", 3, dated=False)
    undated = [Entry(e.feed_url, e.url + "u", e.url_key + "u", None) for e in undated]
    result = apply_budget(Triage(to_fetch=undated + dated), Budget(per_feed=4, per_run=100))
    assert [e.url for e in result.to_fetch] == [
        dated[2].url,
        dated[1].url,
        dated[0].url,
        undated[0].url,
    ]


def test_a_ten_thousand_entry_feed_on_ten_thousand_hosts_does_not_starve_the_others():
    huge = entries("huge", 10_000, hosts=10_000)
    small = [entries(f"s{i}", 7) for i in range(5)]
    triage = Triage(to_fetch=huge + [e for feed in small for e in feed])
    result = apply_budget(triage, Budget(per_feed=200, per_run=60))
    per_feed = Counter(e.feed_url for e in result.to_fetch)
    assert sum(per_feed.values()) == 60
    assert all(per_feed[feed[0].feed_url] == 7 for feed in small)  # every small feed complete
    assert per_feed[huge[0].feed_url] == 60 - 35
    assert len(result.deferred) == 10_000 + 35 - 60


@pytest.mark.parametrize("per_run", [1, 3, 10, 299])
def test_the_run_budget_is_shared_round_robin(per_run):
    feeds = [entries(f"f{i}", 100) for i in range(3)]
    triage = Triage(to_fetch=[e for feed in feeds for e in feed])
    result = apply_budget(triage, Budget(per_feed=100, per_run=per_run))
    counts = Counter(e.feed_url for e in result.to_fetch)
    assert sum(counts.values()) == per_run
    assert max(counts.values()) - min(counts.get(f[0].feed_url, 0) for f in feeds) <= 1


def test_successive_runs_take_everything_exactly_once():
    """What the flow does: a deferred entry is new again next run, and budgeted afresh."""
    feeds = [entries("big", 1_234), entries("small", 17)]
    pending = [e for feed in feeds for e in feed]
    taken: list[Entry] = []
    runs = 0
    while pending:
        result = apply_budget(Triage(to_fetch=pending), Budget(per_feed=100, per_run=150))
        assert result.to_fetch, "a run with pending entries must take some"
        taken += result.to_fetch
        pending = result.deferred
        runs += 1
    assert sorted(e.url for e in taken) == sorted(e.url for feed in feeds for e in feed)
    assert runs == 13  # 1,234 / 100 runs for the big feed; the small one is done in the first


def test_within_budget_nothing_changes():
    triage = Triage(to_fetch=entries("a", 5))
    assert apply_budget(triage, Budget(per_feed=5, per_run=5)) is triage


def test_a_deferred_entry_takes_its_followers_and_refetch_marker_along():
    feed = entries("a", 3)
    old = feed[0]
    follower = Entry("http://other.example/rss", old.url, old.url_key, None)
    triage = Triage(
        to_fetch=list(feed),
        refetched={old.url_key: Known("art1", "hash", 1)},
        followers={old.url_key: [follower]},
    )
    result = apply_budget(triage, Budget(per_feed=2, per_run=10))
    assert old not in result.to_fetch
    assert old.url_key not in result.refetched and old.url_key not in result.followers
    # the follower's feed must be read again too, or its sighting is lost behind a 304
    assert follower in result.deferred and old in result.deferred


# -- what the budget leaves is stored at once, pending, and fetched by later runs' retries --


def _rich(feed: str, n: int) -> list[Entry]:
    """n entries of one feed with everything a feed gives besides text, oldest first."""
    return [
        replace(
            e,
            guid=f"tag:{feed}.example,2026:{i}",
            title=f"Headline {i} of {feed}",
            summary=f"A teaser of story {i}.",
            updated_at=T0 + timedelta(minutes=i, seconds=30),
            author=f"Reporter {i}",
            tags=("Politics", f"t{i}"),
            feed_title=f"The {feed.title()} Gazette",
        )
        for i, e in enumerate(entries(feed, n))
    ]


def _triage_and_store(con, listed, *, now, budget, feeds):
    result = triage_entries(con, listed, now=now, policy=RefetchPolicy(), retry_feeds=feeds)
    budgeted = apply_budget(result, budget)
    pending, followers = pending_articles(
        budgeted.deferred, known=result.refetched.keys(), seen_at=now
    )
    store_pending(con, "run", pending, followers=followers, lead=LEAD, now=now)
    return budgeted


def test_deferred_entries_are_pending_articles_that_later_runs_fetch_even_off_the_feed(
    tmp_path,
):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    a, b = _rich("alpha", 12), _rich("beta", 3)
    # a second feed lists one of alpha's links too: it is a URL of the same article
    follower = Entry("https://gamma.example/rss", a[0].url, a[0].url_key, None)
    feeds = {e.feed_url for e in (*a, *b, follower)}
    budget = Budget(per_feed=4, per_run=6)
    first = _triage_and_store(con, [*a, *b, follower], now=T0, budget=budget, feeds=feeds)
    assert len(first.to_fetch) == 6
    rows = con.execute(
        "SELECT url, status, text, body_source, title, author, published_at, tags, sitename,"
        " version FROM articles ORDER BY url"
    ).fetchall()
    fetched_now = {e.url for e in first.to_fetch}
    assert {r[0] for r in rows} == {e.url for e in (*a, *b)} - fetched_now
    by_url = {r[0]: r for r in rows}
    wanted = a[0]
    assert by_url[wanted.url][1:] == (
        "pending",
        None,
        "none",
        wanted.title,
        wanted.author,
        wanted.published_at,
        ["Politics", "t0"],
        "The Alpha Gazette",
        0,
    )
    guids = dict(
        con.execute("SELECT url, guid FROM article_urls WHERE feed_url LIKE '%alpha%'").fetchall()
    )
    assert guids[wanted.url] == wanted.guid
    assert con.execute(
        "SELECT feed_url FROM article_urls WHERE url = ? ORDER BY feed_url", [wanted.url]
    ).fetchall() == [(wanted.feed_url,), (follower.feed_url,)]

    # the feeds list nothing any more: every pending entry is still fetched, within budget
    later = T0 + timedelta(minutes=5)
    taken: set[str] = set(fetched_now)
    for _ in range(5):
        run = _triage_and_store(con, [], now=later, budget=budget, feeds=feeds)
        assert len(run.to_fetch) <= budget.per_run
        assert all(e.url_key in run.refetched for e in run.to_fetch)  # the retry path
        taken |= {e.url for e in run.to_fetch}
        # what a run fetched is no longer pending (the flow loads its page; a stand-in here)
        con.execute(
            "UPDATE articles SET status = 'ok' WHERE list_contains(?, url)",
            [[e.url for e in run.to_fetch]],
        )
        later += timedelta(minutes=5)
    assert taken == {e.url for e in (*a, *b)}
    # stored once each (the six fetched in the first run are loaded by the flow, not here)
    assert con.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() == (9, 9)
    con.close()


@pytest.mark.parametrize(
    "listed",
    [
        "https://paper.example/world/quake",  # the stored article's canonical link itself
        "https://paper.example/world/quake?utm_source=rss",  # the same key, tracked
    ],
)
def test_a_deferred_link_a_stored_article_names_as_canonical_is_that_article(tmp_path, listed):
    """A link left for later is no new article when a stored article already claims it as its
    canonical (its AMP or print copy was loaded first): the fetched path would call the page a
    copy of that article, so the pending path records the link as one of its URLs too."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    canonical = "https://paper.example/world/quake"
    amp = article(
        "https://paper.example/amp/world/quake", "Text of the quake.", canonical=canonical
    )
    stored = dedupe_and_load(con, "r1", [amp], settings=DedupSettings(), now=T0).decisions[0]
    feed = "https://paper.example/rss"
    others = [
        Entry(
            feed,
            f"https://paper.example/n/{i}",
            f"https://paper.example/n/{i}",
            None,
            published_at=T0 + timedelta(minutes=i),
        )
        for i in range(3)
    ]
    late = entry(listed, feed=feed)
    budget = Budget(per_feed=3, per_run=3)
    run = _triage_and_store(con, [late, *others], now=T0, budget=budget, feeds={feed})
    assert late in run.deferred
    assert con.execute("SELECT count(*) FROM articles WHERE url = ?", [listed]).fetchone() == (0,)
    assert con.execute(
        "SELECT article_id, match_kind FROM article_urls WHERE url = ?", [listed]
    ).fetchall() == [(stored.article_id, "canonical")]
    con.close()
