"""Which feed entries are new: one join of the run's entries against `article_urls`.

An entry is known by its URL at this feed or by its normalised URL at any feed, not by its GUID
alone: feeds reuse GUIDs for other articles, so a new link's page is fetched, and dedup finds a
slug edit's page again by its text. Known entries cost nothing (no page fetch); an entry known
only under another URL or feed is one more sighting of that article, recorded in
`article_urls`.

A known article's page is fetched again (the re-fetch policy) when
- its page failed (status `pending` or `page_failed:<reason>`, text from the feed or none), with
  a back-off: the wait after an attempt is as long as the article had already waited, from
  one run to `every`, until `give_up` after its first sight, when its status becomes final
  (`feed_only`, or `gave_up:<reason>` without text). These are retried from the warehouse
  whether or not their feed still lists them or changed;
- its entry shows an `<updated>` later than the one it showed when last fetched;
- it was first seen less than `recent` ago and last fetched more than `every` ago.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from wirehouse.records import RETRIED_STATUSES, ArticleStatus, Entry, Known, MatchKind, Sighting
from wirehouse.warehouse.arrow import key_table, registered


@dataclass(slots=True)
class Triage:
    to_fetch: list[Entry] = field(default_factory=list)
    refetched: dict[str, Known] = field(default_factory=dict)  # url_key -> article
    sightings: list[Sighting] = field(default_factory=list)
    # url_key -> later entries of this run with the same URL, recorded once it is loaded
    followers: dict[str, list[Entry]] = field(default_factory=dict)
    already_seen: int = 0
    # entries a budget left for a later run (`apply_budget`): not fetched; the caller keeps them
    deferred: list[Entry] = field(default_factory=list)


_ENTRY_SCHEMA = pa.schema(
    [
        ("idx", pa.int32()),
        ("url", pa.string()),
        ("url_key", pa.string()),
        ("feed_url", pa.string()),
        ("guid", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class RefetchPolicy:
    recent: timedelta = timedelta(hours=24)
    every: timedelta = timedelta(hours=6)
    give_up: timedelta = timedelta(days=7)  # on the page of an article that has none


def triage_entries(
    con: duckdb.DuckDBPyConnection,
    entries: Sequence[Entry],
    *,
    now: datetime,
    policy: RefetchPolicy | None = None,
    retry_feeds: Collection[str] | None = None,
) -> Triage:
    """Split the run's entries into pages to fetch and sightings of known articles.

    With `retry_feeds`, the articles of those feeds still waiting for their page are fetched
    when due (listed by their feed this run or not), and those past `give_up`, of any feed, get
    a final status."""
    triage = Triage()
    policy = policy or RefetchPolicy()
    if retry_feeds is not None:
        give_up_pages(con, now=now, policy=policy)
    if not entries:
        return _with_retries(con, triage, retry_feeds, now=now, policy=policy)
    data = pa.table(
        [
            pa.array(range(len(entries)), pa.int32()),
            pa.array([e.url for e in entries]),
            pa.array([e.url_key for e in entries]),
            pa.array([e.feed_url for e in entries]),
            pa.array([e.guid for e in entries]),
        ],
        schema=_ENTRY_SCHEMA,
    )
    with registered(con, _entries=data):
        rows = con.execute(
            """
            WITH here AS (
                SELECT e.idx, min(u.article_id) AS aid, max(u.entry_updated_at) AS updated
                FROM _entries e
                JOIN article_urls u ON u.url = e.url AND u.feed_url = e.feed_url GROUP BY e.idx),
            by_key AS (
                SELECT e.idx, min(u.article_id) AS aid FROM _entries e
                JOIN article_urls u ON u.url_key = e.url_key GROUP BY e.idx)
            SELECT e.idx, here.aid, by_key.aid,
                   a.status, a.content_hash, a.version, a.first_seen_at,
                   a.last_fetched_at, here.updated
            FROM _entries e
            LEFT JOIN here USING (idx) LEFT JOIN by_key USING (idx)
            LEFT JOIN articles a ON a.article_id = coalesce(here.aid, by_key.aid)
            ORDER BY e.idx
            """
        ).fetchall()

    primaries: set[str] = set()
    for (
        idx,
        here,
        by_key,
        status,
        content_hash,
        version,
        first_seen,
        last_fetched,
        stored_updated,
    ) in rows:
        entry = entries[idx]
        # a link not known yet is fetched even under a known guid: feeds reuse guids for other
        # articles (positional ones, a CMS's), and a slug edit's page is found again by its text
        article_id = here or by_key
        if article_id is None:
            if entry.url_key in primaries:
                triage.followers.setdefault(entry.url_key, []).append(entry)
            else:
                primaries.add(entry.url_key)
                triage.to_fetch.append(entry)
            continue
        if (
            first_seen is not None
            and _refetch_due(
                entry,
                status,
                first_seen,
                last_fetched,
                stored_updated,
                here,
                now=now,
                policy=policy,
            )
            and entry.url_key not in triage.refetched
            and entry.url_key not in primaries
        ):
            primaries.add(entry.url_key)
            triage.refetched[entry.url_key] = Known(article_id, content_hash, version)
            triage.to_fetch.append(entry)
        if here:
            triage.already_seen += 1
        else:
            triage.sightings.append(Sighting(entry, article_id, MatchKind.URL))
    return _with_retries(con, triage, retry_feeds, now=now, policy=policy)


def retry_due(
    first_seen: datetime, last_fetched: datetime, *, now: datetime, policy: RefetchPolicy
) -> bool:
    """Whether an article still waiting for its page is due another attempt: the wait after
    an attempt doubles the article's age at that attempt, capped at `every` (no counter to
    store), until `give_up`."""
    if now - first_seen >= policy.give_up:
        return False
    wait = min(policy.every, max(timedelta(0), last_fetched - first_seen))
    return now - last_fetched >= wait


def _refetch_due(
    entry: Entry,
    status: str | None,
    first_seen: datetime,
    last_fetched: datetime,
    stored_updated: datetime | None,
    here: str | None,
    *,
    now: datetime,
    policy: RefetchPolicy,
) -> bool:
    if status is not None and ArticleStatus.of(status) in RETRIED_STATUSES:
        return retry_due(first_seen, last_fetched, now=now, policy=policy)
    if (
        here is not None
        and entry.updated_at is not None
        and (stored_updated is None or entry.updated_at > stored_updated)
    ):
        return True
    return now - first_seen < policy.recent and now - last_fetched >= policy.every


@dataclass(frozen=True, slots=True)
class Budget:
    """How many pages one run fetches: per feed, and in all."""

    per_feed: int
    per_run: int


def apply_budget(triage: Triage, budget: Budget) -> Triage:
    """Keep at most `budget.per_feed` pages of each feed (newest first) and `budget.per_run` in
    all, shared round-robin across feeds; the rest go to `deferred`.

    Deferred entries are not stored here: the caller keeps the new ones as pending articles
    (the next runs' retries fetch them), and does not save the validators or body hash of their
    feeds, so the next run reads those feeds in full again.
    """
    per_feed: dict[str, list[Entry]] = {}
    for entry in triage.to_fetch:
        per_feed.setdefault(entry.feed_url, []).append(entry)
    queues = [_newest_first(entries)[: budget.per_feed] for entries in per_feed.values()]
    kept: list[Entry] = []
    depth = 0
    while len(kept) < budget.per_run and any(depth < len(q) for q in queues):
        for queue in queues:  # one page per feed per round: a huge feed cannot starve the rest
            if depth < len(queue) and len(kept) < budget.per_run:
                kept.append(queue[depth])
        depth += 1
    if len(kept) == len(triage.to_fetch):
        return triage
    taken = {id(e) for e in kept}  # kept in round-robin order: a run cut short is still fair
    deferred = [e for e in triage.to_fetch if id(e) not in taken]
    gone = {e.url_key for e in deferred}
    return replace(
        triage,
        to_fetch=kept,
        refetched={k: v for k, v in triage.refetched.items() if k not in gone},
        followers={k: v for k, v in triage.followers.items() if k not in gone},
        deferred=[
            *triage.deferred,
            *deferred,
            *(f for k in gone for f in triage.followers.get(k, ())),
        ],
    )


def _newest_first(entries: list[Entry]) -> list[Entry]:
    """Dated entries newest first, then undated ones in feed order (feeds list newest first)."""
    dated = [(when, e) for e in entries if (when := e.published_at or e.updated_at) is not None]
    undated = [e for e in entries if (e.published_at or e.updated_at) is None]
    dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties keep feed order
    return [e for _, e in dated] + undated


# RETRIED_STATUSES as a condition on `articles a` (its status before any `:<reason>`)
RETRIED_SQL = "split_part(a.status, ':', 1) IN ({})".format(
    ", ".join(f"'{s}'" for s in RETRIED_STATUSES)
)


# an article's entry as stored, over `articles a` and its first URL `article_urls u` (read by
# `stored_entry`): what a page fetched or extracted again is merged with, as at ingest
ENTRY_COLUMNS = """
    a.article_id, a.content_hash, a.version,
    coalesce(u.feed_url, a.feed_url), coalesce(u.url, a.url), coalesce(u.url_key, a.url_key),
    u.guid, u.entry_updated_at, a.title, a.description, a.author, a.tags,
    CASE WHEN a.published_at_source = 'feed' THEN a.published_at END,
    (SELECT f.title FROM feeds f WHERE f.feed_url = coalesce(u.feed_url, a.feed_url))
"""


def stored_entry(row: Sequence[Any]) -> tuple[Entry, Known]:
    """The entry and the stored article of a row of `ENTRY_COLUMNS`."""
    (
        aid,
        content_hash,
        version,
        feed_url,
        url,
        url_key,
        guid,
        updated,
        title,
        description,
        author,
        tags,
        published,
        feed_title,
    ) = row
    entry = Entry(
        feed_url=feed_url or "",
        url=url,
        url_key=url_key,
        guid=guid,
        title=title,
        summary=description,
        published_at=published,
        updated_at=updated,
        author=author,
        tags=tuple(tags or ()),
        feed_title=feed_title,  # the channel's title, evidence of the outlet's name
    )
    return entry, Known(aid, content_hash, version)


def _with_retries(
    con: duckdb.DuckDBPyConnection,
    triage: Triage,
    feeds: Collection[str] | None,
    *,
    now: datetime,
    policy: RefetchPolicy,
) -> Triage:
    """Add the due page retries of `feeds` that the listed entries did not already bring: a
    feed that stopped listing an entry, or did not change, must not strand it."""
    if not feeds:
        return triage
    with registered(con, _retry_feeds=key_table("feed_url", feeds)):
        rows = con.execute(
            f"""
            SELECT a.first_seen_at, a.last_fetched_at, {ENTRY_COLUMNS}
            FROM articles a
            JOIN article_urls u ON u.article_id = a.article_id AND u.match_kind = 'new'
            JOIN _retry_feeds f ON f.feed_url = u.feed_url
            WHERE {RETRIED_SQL} AND a.first_seen_at > ?
            ORDER BY a.first_seen_at, a.article_id
            """,
            [now - policy.give_up],
        ).fetchall()
    taken = {e.url_key for e in triage.to_fetch} | set(triage.refetched)
    for first_seen, last_fetched, *stored in rows:
        entry, known = stored_entry(stored)
        if entry.url_key in taken or not retry_due(
            first_seen, last_fetched, now=now, policy=policy
        ):
            continue
        taken.add(entry.url_key)
        triage.refetched[entry.url_key] = known
        triage.to_fetch.append(entry)
    return triage


def give_up_pages(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime,
    policy: RefetchPolicy,
) -> int:
    """Make final the status of the articles whose page has failed (or was never fetched) for
    `give_up`: `feed_only` when the feed's text stands in, `gave_up:<last reason>` when there is
    none (`gave_up:not_fetched` for a page never asked). Whatever their feed: one no longer
    listed has its pages retried no more, and they would otherwise wait for ever."""
    row = con.execute(
        f"""
        UPDATE articles AS a SET status = CASE
            WHEN a.text IS NOT NULL THEN '{ArticleStatus.FEED_ONLY}'
            WHEN contains(a.status, ':')
            THEN '{ArticleStatus.GAVE_UP}' || substr(a.status, strpos(a.status, ':'))
            ELSE '{ArticleStatus.GAVE_UP}:not_fetched' END
        WHERE {RETRIED_SQL} AND a.first_seen_at <= ?
        """,
        [now - policy.give_up],
    ).fetchone()
    return int(row[0]) if row else 0
