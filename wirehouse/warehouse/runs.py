"""The `runs`, `feeds` and `fetches` tables: what each run did, and each feed's health."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from wirehouse.records import (
    DEFERRAL_PREFIX,
    MAX_DEFER_S,
    FeedOutcome,
    FeedState,
    Fetched,
    RunSummary,
    deferral,
    deferred_until,
    is_deferral,
)
from wirehouse.warehouse.arrow import TAGS, TS, insert_new, registered, table


def close_abandoned_runs(
    con: duckdb.DuckDBPyConnection, *, started_before: datetime | None = None
) -> int:
    """Mark runs left `running` by a process that died as `aborted`.

    Call it while holding the run lock: then no other run can be in progress. Where runs may
    be concurrent (a DuckLake), pass `started_before`: only runs older than that are dead.
    """
    result = con.execute(
        "UPDATE runs SET status = 'aborted', finished_at = now(),"
        " error = 'the process ended before the run finished'"
        " WHERE status = 'running' AND (?::TIMESTAMPTZ IS NULL OR started_at < ?::TIMESTAMPTZ)",
        [started_before, started_before],
    ).fetchone()
    return int(result[0]) if result else 0


def start_run(
    con: duckdb.DuckDBPyConnection, run_id: str, *, flow_run_id: str | None, started_at: datetime
) -> None:
    con.execute(
        "INSERT INTO runs (run_id, flow_run_id, started_at, status) VALUES (?, ?, ?, 'running')",
        [run_id, flow_run_id, started_at],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    summary: RunSummary,
    *,
    status: str,
    error: str | None = None,
) -> None:
    """Record how a run ended (`completed`, `failed`, or `aborted` when it was stopped by a
    signal or its deadline) and its counts; `summary` keeps the full detail as JSON.

    Only a run still `running` is changed: a stop that lands after the run recorded its end
    leaves that record as it is."""
    detail = asdict(summary)
    detail["rejected"] = [asdict(r) for r in summary.rejected[:500]]
    detail["stories_touched"] = sorted(summary.stories_touched)
    con.execute(
        """
        UPDATE runs SET finished_at = ?, status = ?, error = ?,
            feeds_total = ?, feeds_fetched = ?, feeds_not_modified = ?, feeds_failed = ?,
            feeds_skipped = ?, entries_seen = ?, entries_new = ?, pages_fetched = ?,
            pages_failed = ?, new_articles = ?, new_versions = ?, duplicates = ?, summary = ?
        WHERE run_id = ? AND status = 'running'
        """,
        [
            datetime.now(UTC),
            status,
            error,
            summary.feeds_total,
            summary.feeds_fetched,
            summary.feeds_not_modified,
            summary.feeds_failed,
            summary.feeds_skipped,
            summary.entries_seen,
            summary.entries_new,
            summary.pages_fetched,
            summary.pages_failed,
            summary.new_articles,
            summary.new_versions,
            sum(summary.duplicates.values()),
            json.dumps(detail, default=str),
            summary.run_id,
        ],
    )


def live_deferral(now: datetime) -> tuple[str, list[object]]:
    """The condition on a `fetches` row that holds a host's deferral past `now`, and its
    parameters: what `deferred_urls` reads and what pruning keeps. The reasons share one
    format, so a later time is a greater string."""
    since = now - timedelta(seconds=MAX_DEFER_S)
    return (
        "(fetched_at >= ? AND starts_with(error, ?) AND error > ?)",
        [since, DEFERRAL_PREFIX, deferral(now)],
    )


def deferred_urls(con: duckdb.DuckDBPyConnection, now: datetime) -> dict[str, datetime]:
    """The URLs whose host told an earlier run to wait past `now` (a Retry-After longer than a
    run waits), with the latest time it named, from the fetch log: the next runs keep away
    till then."""
    live, params = live_deferral(now)
    rows = con.execute(
        f"SELECT coalesce(final_url, url), max(error) FROM fetches WHERE {live} GROUP BY ALL",
        params,
    ).fetchall()
    found = {url: deferred_until(error) for url, error in rows}
    return {url: until for url, until in found.items() if until is not None}


def feed_states(con: duckdb.DuckDBPyConnection) -> dict[str, FeedState]:
    rows = con.execute(
        "SELECT feed_url, etag, last_modified, last_fetch_at, last_success_at,"
        " consecutive_failures, body_hash, ttl_minutes FROM feeds"
    ).fetchall()
    return {
        r[0]: FeedState(
            url=r[0],
            etag=r[1],
            last_modified=r[2],
            last_fetch_at=r[3],
            last_success_at=r[4],
            consecutive_failures=r[5] or 0,
            body_hash=r[6],
            ttl_minutes=r[7],
        )
        for r in rows
    }


_FEED_SCHEMA = pa.schema(
    [
        ("feed_url", pa.string()),
        ("name", pa.string()),
        ("title", pa.string()),
        ("site_url", pa.string()),
        ("tags", TAGS),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("body_hash", pa.string()),
        ("ttl_minutes", pa.int32()),
        ("last_fetch_at", TS),
        ("last_status", pa.int32()),
        ("last_error", pa.string()),
        ("ok", pa.bool_()),
        ("new_items", pa.int32()),
        ("items", pa.int32()),
        ("deferred_entries", pa.int32()),
        ("forget", pa.bool_()),
    ]
)


def save_feed_outcomes(
    con: duckdb.DuckDBPyConnection,
    outcomes: Sequence[FeedOutcome],
    *,
    body_hashes: dict[str, str],
    deferred: Mapping[str, int] | None = None,
) -> None:
    """Upsert each fetched feed's state and health with one MERGE (works on DuckLake too).

    A 304 keeps the stored validators; a failure keeps them too (the next run retries the same
    conditional request) and counts one more failure in a row. A feed with `deferred` entries
    (a budget or a deferred host left them for later) has its validators and body hash
    cleared instead: the next run gets the whole feed again, not a 304, and finds them. So has
    a feed whose parse never finished (timed out, its worker died): its bytes were never read.
    A feed that parsed with an error (malformed) keeps them: the same bytes fail the same way.
    A feed whose host deferred us (a long Retry-After) is left as it was: asked again once the
    pause is over, with no failure counted against it.
    """
    deferred = deferred or {}
    rows = []
    for o in outcomes:
        f = o.fetched
        if f is None or is_deferral(f.error):
            continue  # not fetched, or its host asked for a pause: no failure, state kept
        ok = f.ok or f.not_modified
        parsed = o.parsed
        left = deferred.get(o.source.url, 0)
        forget = bool(left) or (parsed is not None and parsed.unfinished)
        rows.append(
            [
                o.source.url,
                o.source.name,
                parsed.title if parsed else None,
                parsed.site_url if parsed else None,
                list(o.source.tags),
                f.etag if f.ok and not forget else None,
                f.last_modified if f.ok and not forget else None,
                None if forget else body_hashes.get(o.source.url),
                parsed.ttl_minutes if parsed else None,
                f.fetched_at,
                f.status,
                f.error or (parsed.error if parsed else None),
                ok,
                o.new_items,
                len(parsed.entries) if parsed else 0,
                left,
                forget,
            ]
        )
    if not rows:
        return
    with registered(con, _feed_outcomes=table(_FEED_SCHEMA, rows)):
        con.execute(
            """
            MERGE INTO feeds AS f USING _feed_outcomes AS o ON f.feed_url = o.feed_url
            WHEN MATCHED THEN UPDATE SET
                name = o.name,
                title = coalesce(o.title, f.title),
                site_url = coalesce(o.site_url, f.site_url),
                tags = o.tags,
                etag = CASE WHEN o.ok AND o.last_status <> 304 THEN o.etag ELSE f.etag END,
                last_modified = CASE WHEN o.ok AND o.last_status <> 304
                                     THEN o.last_modified ELSE f.last_modified END,
                body_hash = CASE WHEN o.forget THEN NULL
                                 ELSE coalesce(o.body_hash, f.body_hash) END,
                deferred_entries = o.deferred_entries,
                ttl_minutes = coalesce(o.ttl_minutes, f.ttl_minutes),
                last_fetch_at = o.last_fetch_at,
                last_status = o.last_status,
                last_error = CASE WHEN o.last_status = 304 THEN f.last_error ELSE o.last_error END,
                last_success_at = CASE WHEN o.ok THEN o.last_fetch_at ELSE f.last_success_at END,
                consecutive_failures = CASE WHEN o.ok THEN 0
                                            ELSE coalesce(f.consecutive_failures, 0) + 1 END,
                last_new_items = o.new_items,
                items_seen_total = coalesce(f.items_seen_total, 0) + o.items
            WHEN NOT MATCHED THEN INSERT (
                feed_url, name, title, site_url, tags, etag, last_modified, body_hash,
                ttl_minutes, last_fetch_at, last_status, last_error, last_success_at,
                consecutive_failures, last_new_items, items_seen_total, deferred_entries)
            VALUES (
                o.feed_url, o.name, o.title, o.site_url, o.tags, o.etag, o.last_modified,
                o.body_hash, o.ttl_minutes, o.last_fetch_at, o.last_status, o.last_error,
                CASE WHEN o.ok THEN o.last_fetch_at END, CASE WHEN o.ok THEN 0 ELSE 1 END,
                o.new_items, o.items, o.deferred_entries)
            """
        )


_FETCH_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("url", pa.string()),
        ("kind", pa.string()),
        ("final_url", pa.string()),
        ("status", pa.int32()),
        ("bytes", pa.int64()),
        ("elapsed_ms", pa.float64()),
        ("error", pa.string()),
        ("fetched_at", TS),
    ]
)


def record_fetches(con: duckdb.DuckDBPyConnection, run_id: str, fetched: Sequence[Fetched]) -> int:
    """Append one row per HTTP fetch (a log: idempotent on run, url and time)."""
    rows = [
        [
            run_id,
            f.url,
            str(f.kind),
            f.final_url,
            f.status,
            f.size,
            f.elapsed_ms,
            f.error,
            f.fetched_at,
        ]
        for f in fetched
    ]
    return insert_new(
        con, "fetches", table(_FETCH_SCHEMA, rows), key=("run_id", "url", "kind", "fetched_at")
    )
