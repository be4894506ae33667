"""Loading decided articles: new rows, new versions, and every URL an article was seen at.

Callers run a batch inside one `transaction`, so a crash leaves the warehouse as it was before
the batch and the next run fetches what is missing. Every insert is an anti-join on a
deterministic key, so loading a batch twice equals loading it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from wirehouse.dedup.canonical import Claim, stored_key_trusted
from wirehouse.dedup.exact import decide_exact
from wirehouse.dedup.versions import StoredText
from wirehouse.records import (
    Access,
    Article,
    ArticleStatus,
    CanonicalReason,
    Decision,
    Entry,
    Fetched,
    MatchKind,
    Outcome,
    RawRecord,
    Sighting,
)
from wirehouse.urls import normalise_url
from wirehouse.warehouse import archive
from wirehouse.warehouse.arrow import TAGS, TS, insert_new, key_table, registered, table
from wirehouse.warehouse.entries import RETRIED_SQL
from wirehouse.warehouse.runs import record_fetches


@dataclass(frozen=True, slots=True)
class Lookups:
    """What the warehouse already holds for a batch: keys and hashes mapped to article ids."""

    # the batch's canonical and URL keys that stored articles claim as their canonical
    by_claim: dict[str, str]
    by_hash: dict[str, str]
    # the batch's canonical and URL keys already in `article_urls`: a canonical names its
    # article by them; and one run never loads a URL twice, but concurrent runs on a DuckLake
    # may both fetch it, and the one that loads second must record its entries as sightings
    # (its triage was made on a stale snapshot)
    by_url: dict[str, str]


def lookups_for(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Article],
    *,
    partners: frozenset[tuple[str, str]] = frozenset(),
) -> Lookups:
    """Find stored articles sharing a canonical/URL key or a content hash with the batch.

    A stored article's canonical key counts only when it is on the article's own site or a
    partner's (`dedup.canonical`): rows stored before claims were screened may hold others."""
    keys = sorted({k for a in articles for k in (a.canonical_key, a.entry.url_key) if k})
    hashes = sorted({a.content_hash for a in articles if a.content_hash is not None})
    by_claim: dict[str, str] = {}
    by_hash: dict[str, str] = {}
    by_url: dict[str, str] = {}
    if keys:
        with registered(con, _keys=key_table("k", keys)):
            for key, from_url, aid, url in con.execute(
                "SELECT k._k AS k, false AS from_url, a.article_id, a.url"
                " FROM (SELECT k AS _k FROM _keys) k JOIN articles a ON a.canonical_key = k._k"
                " UNION ALL SELECT k._k, true, min(u.article_id), NULL"
                " FROM (SELECT k AS _k FROM _keys) k"
                " JOIN article_urls u ON u.url_key = k._k GROUP BY k._k"
            ).fetchall():
                if from_url or _lives_at(url, key):  # a page's canonical that is its own URL
                    by_url.setdefault(key, aid)
                elif stored_key_trusted(url, key, partners):
                    by_claim[key] = min(aid, by_claim.get(key, aid))
    if hashes:
        with registered(con, _hashes=key_table("h", hashes)):
            # a stored stand-in (a teaser, a feed summary) is no original either (`comparable`)
            for h, aid in con.execute(
                "SELECT h, min(article_id) FROM _hashes"
                " JOIN articles ON content_hash = h"
                f" WHERE coalesce(access, '{Access.OK}') IN ('{Access.OK}', '{Access.TRUNCATED}')"
                " GROUP BY h"
            ).fetchall():
                by_hash[h] = aid
    return Lookups(by_claim, by_hash, by_url)


def _lives_at(url: str | None, key: str) -> bool:
    """Whether a stored article's (final) URL is at `key`."""
    try:
        return url is not None and normalise_url(url) == key
    except ValueError:
        return False


_ARTICLE_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("url", pa.string()),
        ("url_key", pa.string()),
        ("canonical_url", pa.string()),
        ("canonical_key", pa.string()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("description", pa.string()),
        ("author", pa.string()),
        ("sitename", pa.string()),
        ("language", pa.string()),
        ("tags", TAGS),
        ("image", pa.string()),
        ("published_at", TS),
        ("published_at_source", pa.string()),
        ("feed_url", pa.string()),
        ("content_hash", pa.string()),
        ("body_source", pa.string()),
        ("version", pa.int32()),
        ("first_seen_at", TS),
        ("updated_at", TS),
        ("last_fetched_at", TS),
        ("status", pa.string()),
        ("canonical_reason", pa.string()),
        ("text_truncated", pa.bool_()),
        ("title_source", pa.string()),
        ("sitename_source", pa.string()),
        ("access", pa.string()),
    ]
)

_VERSION_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("version", pa.int32()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("content_hash", pa.string()),
        ("body_source", pa.string()),
        ("fetched_at", TS),
        ("run_id", pa.string()),
        ("text_truncated", pa.bool_()),
    ]
)

_URL_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("url_key", pa.string()),
        ("feed_url", pa.string()),
        ("guid", pa.string()),
        ("entry_updated_at", TS),
        ("article_id", pa.string()),
        ("match_kind", pa.string()),
        ("similarity", pa.float64()),
        ("seen_at", TS),
        ("run_id", pa.string()),
    ]
)

_PAGE_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("fetched_at", TS),
        ("article_id", pa.string()),
        ("content_type", pa.string()),
        ("html_bytes", pa.int32()),
        ("raw_hash", pa.string()),
    ]
)

_RAW_PAGE_SCHEMA = pa.schema(
    [
        ("raw_hash", pa.string()),
        ("html_bytes", pa.int32()),
        ("stored_at", TS),
        ("warc_file", pa.string()),
        ("warc_offset", pa.int64()),
        ("warc_length", pa.int64()),
    ]
)


@dataclass(frozen=True, slots=True)
class LoadCounts:
    new_articles: int = 0
    new_versions: int = 0
    duplicates: int = 0
    urls: int = 0


def _article_row(d: Decision, now: datetime) -> list[object]:
    a = d.article
    return [
        d.article_id,
        a.url,
        a.entry.url_key,
        a.canonical_url,
        a.canonical_key,
        a.title,
        a.text,
        a.description,
        a.author,
        a.sitename,
        a.language,
        list(a.tags),
        a.image,
        a.published_at,
        str(a.published_at_source),
        a.entry.feed_url,
        a.content_hash,
        a.body_source,
        d.version if a.text is not None else 0,  # no text yet: no version yet
        a.fetched_at or now,
        a.fetched_at or now,
        a.fetched_at or now,
        a.status,
        str(CanonicalReason.FIRST_SEEN),
        a.text_truncated,
        a.title_source,
        a.sitename_source,
        a.access,
    ]


def _url_row(
    entry: Entry,
    article_id: str,
    kind: MatchKind,
    similarity: float | None,
    run_id: str,
    now: datetime,
) -> list[object]:
    return [
        entry.url,
        entry.url_key,
        entry.feed_url,
        entry.guid,
        entry.updated_at,
        article_id,
        str(kind),
        similarity,
        now,
        run_id,
    ]


def load_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    decisions: Sequence[Decision],
    *,
    sightings: Sequence[Sighting] = (),
    followers: Mapping[str, Sequence[Entry]] | None = None,
    fetched: Sequence[Fetched] = (),
    now: datetime,
    fetched_now: bool = True,
) -> LoadCounts:
    """Write a batch of decisions, the URLs seen and the fetches made (inside the caller's
    transaction). `fetched_now` False: the pages are stored ones extracted again, so no
    article is marked fetched again (its fetch time and status stay)."""
    followers = followers or {}
    new_rows, version_rows, url_rows, page_rows = [], [], [], []
    raws: dict[str, tuple[RawRecord, datetime]] = {}
    updated: list[Decision] = []
    for d in decisions:
        a = d.article
        if d.outcome is Outcome.NEW:
            new_rows.append(_article_row(d, now))
        if d.outcome in (Outcome.NEW, Outcome.VERSION) and a.text is not None:
            version_rows.append(
                [
                    d.article_id,
                    d.version,
                    a.title,
                    a.text,
                    a.content_hash,
                    a.body_source,
                    a.fetched_at or now,
                    run_id,
                    a.text_truncated,
                ]
            )
        if d.outcome is Outcome.VERSION:
            updated.append(d)
        if d.outcome in (Outcome.NEW, Outcome.DUPLICATE):
            url_rows.append(
                _url_row(a.entry, d.article_id, d.match_kind, d.similarity, run_id, now)
            )
        for follower in followers.get(a.entry.url_key, ()):
            url_rows.append(_url_row(follower, d.article_id, MatchKind.URL, None, run_id, now))
        if a.raw is not None and d.outcome is not Outcome.UNCHANGED:
            page_rows.append(
                [
                    a.url,
                    a.fetched_at or now,
                    d.article_id,
                    a.content_type,
                    a.raw.payload_bytes,
                    a.raw.digest,
                ]
            )
            raws.setdefault(a.raw.digest, (a.raw, a.fetched_at or now))
    for s in sightings:
        url_rows.append(_url_row(s.entry, s.article_id, s.match_kind, None, run_id, now))

    n_new = insert_new(con, "articles", table(_ARTICLE_SCHEMA, new_rows), key=("article_id",))
    insert_new(
        con,
        "article_versions",
        table(_VERSION_SCHEMA, version_rows),
        key=("article_id", "version"),
    )
    n_versions = _apply_versions(con, updated, now, fetched_now=fetched_now)
    _mark_refetched(
        con,
        [
            d
            for d in decisions
            if d.outcome in (Outcome.VERSION, Outcome.UNCHANGED) and not d.capped
        ],
        now,
        fetched_now=fetched_now,
    )
    n_urls = insert_new(con, "article_urls", table(_URL_SCHEMA, url_rows), key=("url", "feed_url"))
    insert_new(con, "pages", table(_PAGE_SCHEMA, page_rows), key=("url", "fetched_at"))
    _store_raw(con, raws)
    record_fetches(con, run_id, fetched)
    dups = sum(1 for d in decisions if d.outcome is Outcome.DUPLICATE)
    return LoadCounts(n_new, n_versions, dups, n_urls)


def _store_raw(
    con: duckdb.DuckDBPyConnection, raws: Mapping[str, tuple[RawRecord, datetime]]
) -> None:
    """Archive the payloads not stored yet and index them in `raw_pages`: a payload fetched
    again (an unchanged page re-served, a mirror) is stored once."""
    if not raws:
        return
    with registered(con, _raw_digests=key_table("raw_hash", raws)):
        stored = {
            r[0]
            for r in con.execute(
                "SELECT r.raw_hash FROM raw_pages r JOIN _raw_digests d ON d.raw_hash = r.raw_hash"
            ).fetchall()
        }
    new = [(raw, at) for digest, (raw, at) in raws.items() if digest not in stored]
    locations = archive.append(con, [raw for raw, _ in new])
    rows = [
        [raw.digest, raw.payload_bytes, at, where.file, where.offset, where.length]
        for (raw, at), where in zip(new, locations, strict=True)
    ]
    insert_new(con, "raw_pages", table(_RAW_PAGE_SCHEMA, rows), key=("raw_hash",))


def _apply_versions(
    con: duckdb.DuckDBPyConnection, updated: Sequence[Decision], now: datetime, *, fetched_now: bool
) -> int:
    """Point `articles` at the newest text; older texts stay in `article_versions`. A stored
    page extracted again (`fetched_now` False) leaves the article's status and fetch time."""
    if not updated:
        return 0
    rows = [_article_row(d, now) for d in updated]
    fetch = (
        "status = v.status, last_fetched_at = greatest(a.last_fetched_at, v.last_fetched_at),"
        if fetched_now
        else ""
    )
    with registered(con, _versions=table(_ARTICLE_SCHEMA, rows)):
        result = con.execute(
            f"""
            UPDATE articles AS a SET
                title = coalesce(v.title, a.title), text = v.text,
                title_source = CASE WHEN v.title IS NULL THEN a.title_source
                                    ELSE v.title_source END,
                sitename_source = CASE WHEN v.sitename IS NULL THEN a.sitename_source
                                       ELSE v.sitename_source END,
                text_truncated = v.text_truncated,
                description = coalesce(v.description, a.description),
                author = coalesce(v.author, a.author), sitename = coalesce(v.sitename, a.sitename),
                language = coalesce(v.language, a.language), tags = v.tags,
                image = coalesce(v.image, a.image),
                canonical_url = coalesce(v.canonical_url, a.canonical_url),
                canonical_key = coalesce(v.canonical_key, a.canonical_key),
                published_at = CASE WHEN a.body_source <> 'page' THEN v.published_at
                                    ELSE a.published_at END,
                published_at_source = CASE WHEN a.body_source <> 'page' THEN v.published_at_source
                                           ELSE a.published_at_source END,
                content_hash = v.content_hash, body_source = v.body_source, {fetch}
                access = v.access, version = v.version, updated_at = v.updated_at
            FROM _versions v
            WHERE a.article_id = v.article_id AND a.version < v.version
            """
        ).fetchone()
    return int(result[0]) if result else 0


def store_pending(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    articles: Sequence[Article],
    *,
    followers: Mapping[str, Sequence[Entry]] | None = None,
    partners: frozenset[tuple[str, str]] = frozenset(),
    lead: timedelta,
    now: datetime,
) -> int:
    """Load text-less `pending` articles (entries whose page is left for a later run) as new
    articles with their URLs; returns how many were new. Their pages are fetched by the retry
    path, which takes pending articles like failed ones. A link a stored article claims as its
    canonical (`partners` as in `lookups_for`) is that article's URL, as its fetched page
    would be, not a second article; `lead` as for `decide_exact`."""
    found = lookups_for(con, articles, partners=partners)
    decisions = decide_exact(
        articles,
        by_url=found.by_url,
        by_claim=found.by_claim,
        by_hash=found.by_hash,
        refetched={},
        lead=lead,
    )
    return load_batch(con, run_id, decisions, followers=followers, now=now).new_articles


def _mark_refetched(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    now: datetime,
    *,
    fetched_now: bool,
) -> None:
    """Remember when a known article was fetched again and which `<updated>` its entry showed,
    so the re-fetch policy does not fetch it again until something changes. A stored page
    extracted again (`fetched_now` False) is no fetch: only the access it gives is said again."""
    if not decisions:
        return
    data = pa.table(
        {
            "article_id": pa.array([d.article_id for d in decisions], pa.string()),
            "url": pa.array([d.article.entry.url for d in decisions], pa.string()),
            "feed_url": pa.array([d.article.entry.feed_url for d in decisions], pa.string()),
            "entry_updated_at": pa.array([d.article.entry.updated_at for d in decisions], TS),
            "fetched_at": pa.array([d.article.fetched_at or now for d in decisions], TS),
            "access": pa.array([d.article.access for d in decisions], pa.string()),
        }
    )
    with registered(con, _refetched=data):
        if not fetched_now:
            con.execute(
                "UPDATE articles AS a SET access = r.access"
                " FROM _refetched r WHERE a.article_id = r.article_id"
            )
            return
        # only a page that gave text reaches here: whatever was missing no longer is, and what
        # the page gave (a teaser, say, that left the feed's text in place) is said again
        con.execute(
            "UPDATE articles AS a SET last_fetched_at = greatest(a.last_fetched_at, r.fetched_at),"
            f" status = '{ArticleStatus.OK}', access = r.access"
            " FROM _refetched r WHERE a.article_id = r.article_id"
        )
        con.execute(
            "UPDATE article_urls AS u SET entry_updated_at = r.entry_updated_at"
            " FROM _refetched r WHERE u.url = r.url AND u.feed_url = r.feed_url"
            " AND r.entry_updated_at IS NOT NULL"
        )


def stored_versions(
    con: duckdb.DuckDBPyConnection, decisions: Sequence[Decision], *, now: datetime
) -> dict[str, StoredText]:
    """What each article a VERSION decision points at holds now, for `screen_versions`: its
    text, access, body source and the new versions (after its first text) it got in the last
    24 hours."""
    wanted = sorted({d.article_id for d in decisions if d.outcome is Outcome.VERSION})
    if not wanted:
        return {}
    with registered(con, _wanted=key_table("article_id", wanted)):
        rows = con.execute(
            "SELECT a.article_id, a.text, a.access, a.body_source,"
            " (SELECT count(*) FROM article_versions v"
            "  WHERE v.article_id = a.article_id AND v.version > 1 AND v.fetched_at >= ?)"
            " FROM articles a JOIN _wanted w ON w.article_id = a.article_id",
            [now - timedelta(days=1)],
        ).fetchall()
    return {aid: StoredText(text, access, source, int(n)) for aid, text, access, source, n in rows}


def record_page_failures(
    con: duckdb.DuckDBPyConnection, failures: Sequence[tuple[str, str, datetime]]
) -> None:
    """A failed re-fetch of a known article, (article_id, reason, at): an article still waiting
    for its page gets the new reason, the access it implies and the attempt time (its back-off
    runs from it); an article that has its page's text is left exactly as it was (the fetch is
    in `fetches`)."""
    if not failures:
        return
    data = pa.table(
        {
            "article_id": pa.array([f[0] for f in failures], pa.string()),
            "status": pa.array([f"{ArticleStatus.PAGE_FAILED}:{f[1]}" for f in failures]),
            "access": pa.array([str(Access.of_failure(f[1])) for f in failures], pa.string()),
            "at": pa.array([f[2] for f in failures], TS),
        }
    )
    with registered(con, _failed=data):
        con.execute(
            "UPDATE articles AS a SET status = f.status, access = f.access,"
            " last_fetched_at = f.at FROM _failed f"
            " WHERE a.article_id = f.article_id"
            f" AND {RETRIED_SQL}"
        )


_CLAIM_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("url", pa.string()),
        ("claimed_url", pa.string()),
        ("claimed_key", pa.string()),
        ("claimer_site", pa.string()),
        ("claimed_site", pa.string()),
        ("trusted", pa.bool_()),
        ("seen_at", TS),
        ("run_id", pa.string()),
    ]
)


def record_claims(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    claims: Sequence[Claim],
    decisions: Sequence[Decision],
    *,
    now: datetime,
) -> int:
    """Store each cross-site canonical claim with the article its page became (`trusted`:
    acted on, between partners; otherwise provenance only)."""
    owner = {d.article.entry.url_key: d.article_id for d in decisions}
    rows = [
        [
            owner[c.url_key],
            c.url,
            c.claimed_url,
            c.claimed_key,
            c.claimer_site,
            c.claimed_site,
            c.trusted,
            now,
            run_id,
        ]
        for c in claims
        if c.url_key in owner
    ]
    return insert_new(
        con, "canonical_claims", table(_CLAIM_SCHEMA, rows), key=("url", "claimed_key")
    )
