"""Which feed entries are new: one join of the run's entries against `article_urls`.

An entry is known by its URL at this feed, by its normalised URL at any feed, or by its GUID
at this feed. Known entries cost nothing (no page fetch); an entry known only under another
URL or feed is one more sighting of that article, recorded in `article_urls`.

A known article's page is fetched again (the re-fetch policy) when
- its text came from the feed because the page failed, for `RETRY_FEED_ONLY_FOR`;
- its entry shows an `<updated>` later than the one it showed when last fetched;
- it was first seen less than `recent` ago and last fetched more than `every` ago.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from wirehouse.dedup.exact import Known
from wirehouse.records import Entry, MatchKind

# a page that gave no text (403, paywall teaser) is retried on later runs for this long
RETRY_FEED_ONLY_FOR = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Sighting:
    """An entry that is an article already stored, seen at a new URL or feed."""

    entry: Entry
    article_id: str
    match_kind: MatchKind


@dataclass(slots=True)
class Triage:
    to_fetch: list[Entry] = field(default_factory=list)
    refetched: dict[str, Known] = field(default_factory=dict)  # url_key -> article
    sightings: list[Sighting] = field(default_factory=list)
    # url_key -> later entries of this run with the same URL, recorded once it is loaded
    followers: dict[str, list[Entry]] = field(default_factory=dict)
    already_seen: int = 0


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


def triage_entries(
    con: duckdb.DuckDBPyConnection,
    entries: Sequence[Entry],
    *,
    now: datetime,
    policy: RefetchPolicy | None = None,
) -> Triage:
    """Split the run's entries into pages to fetch and sightings of known articles."""
    triage = Triage()
    if not entries:
        return triage
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
    con.register("_entries", data)
    try:
        rows = con.execute(
            """
            WITH here AS (
                SELECT e.idx, min(u.article_id) AS aid, max(u.entry_updated_at) AS updated
                FROM _entries e
                JOIN article_urls u ON u.url = e.url AND u.feed_url = e.feed_url GROUP BY e.idx),
            by_key AS (
                SELECT e.idx, min(u.article_id) AS aid FROM _entries e
                JOIN article_urls u ON u.url_key = e.url_key GROUP BY e.idx),
            by_guid AS (
                SELECT e.idx, min(u.article_id) AS aid FROM _entries e
                JOIN article_urls u ON u.guid = e.guid AND u.feed_url = e.feed_url
                WHERE e.guid IS NOT NULL GROUP BY e.idx)
            SELECT e.idx, here.aid, by_key.aid, by_guid.aid,
                   a.body_source, a.content_hash, a.version, a.first_seen_at,
                   a.last_fetched_at, here.updated
            FROM _entries e
            LEFT JOIN here USING (idx) LEFT JOIN by_key USING (idx) LEFT JOIN by_guid USING (idx)
            LEFT JOIN articles a
                ON a.article_id = coalesce(here.aid, by_key.aid, by_guid.aid)
            ORDER BY e.idx
            """
        ).fetchall()
    finally:
        con.unregister("_entries")

    policy = policy or RefetchPolicy()
    primaries: set[str] = set()
    for (
        idx,
        here,
        by_key,
        by_guid,
        body_source,
        content_hash,
        version,
        first_seen,
        last_fetched,
        stored_updated,
    ) in rows:
        entry = entries[idx]
        article_id = here or by_key or by_guid
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
                body_source,
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
            kind = MatchKind.URL if by_key else MatchKind.GUID
            triage.sightings.append(Sighting(entry, article_id, kind))
    return triage


def _refetch_due(
    entry: Entry,
    body_source: str,
    first_seen: datetime,
    last_fetched: datetime,
    stored_updated: datetime | None,
    here: str | None,
    *,
    now: datetime,
    policy: RefetchPolicy,
) -> bool:
    if body_source == "feed" and now - first_seen < RETRY_FEED_ONLY_FOR:
        return True
    if (
        here is not None
        and entry.updated_at is not None
        and (stored_updated is None or entry.updated_at > stored_updated)
    ):
        return True
    return now - first_seen < policy.recent and now - last_fetched >= policy.every
