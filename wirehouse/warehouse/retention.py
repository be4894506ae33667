"""Retention: the fetch log and old raw pages are pruned; articles and their texts never are.

Raw pages are most of a warehouse's bytes, and a feed that changes its pages on every poll adds
one per poll. Pruning removes `fetches` rows and `pages` rows older than a cutoff, except the
newest page of each article at each URL (so `wirehouse reextract` still has one) and the
fetches holding a host's deferral that has not run out (`runs.deferred_urls`), then the raw
payloads (`raw_pages`) no page row points at any more and, once that has committed, the archive
files no payload is in any more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb

from wirehouse.warehouse import archive
from wirehouse.warehouse.connection import write_atomically
from wirehouse.warehouse.runs import live_deferral

# a run prunes at most this often: the deletes scan the log, and once a day keeps it bounded
PRUNE_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one pass removed."""

    cutoff: datetime
    fetches: int = 0
    pages: int = 0
    raw_pages: int = 0
    archive_files: int = 0


def prune_and_commit(
    con: duckdb.DuckDBPyConnection, *, older_than: timedelta, now: datetime
) -> Pruned:
    """`prune` in a transaction of its own, then the archive: live records of mostly-pruned
    files copied on, then the files left unused deleted. Deleting a file before the rows
    pointing into it are gone for good would lose pages if the prune rolled back."""
    pruned = write_atomically(con, lambda c: prune(c, older_than=older_than, now=now))
    archive.compact(con, older_than=older_than, now=now)
    removed = archive.remove_unused_files(con, older_than=older_than, now=now)
    return replace(pruned, archive_files=len(removed))


def prune(con: duckdb.DuckDBPyConnection, *, older_than: timedelta, now: datetime) -> Pruned:
    """Delete what is older than `now - older_than` (inside the caller's transaction) and log
    the pass in `prunes`."""
    cutoff = now - older_than
    # a row holding a host's deferral still running is what keeps the next runs away from it
    live, params = live_deferral(now)
    fetches = _count(
        con.execute(
            f"DELETE FROM fetches WHERE fetched_at < ? AND NOT coalesce({live}, false)",
            [cutoff, *params],
        ).fetchone()
    )
    pages = _count(
        con.execute(
            """
            DELETE FROM pages AS p
            WHERE p.fetched_at < ?
              AND EXISTS (SELECT 1 FROM pages q
                          WHERE q.article_id = p.article_id AND q.url = p.url
                            AND q.fetched_at > p.fetched_at)
            """,
            [cutoff],
        ).fetchone()
    )
    raw = _count(
        con.execute(
            "DELETE FROM raw_pages AS r WHERE r.stored_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.raw_hash = r.raw_hash)",
            [cutoff],
        ).fetchone()
    )
    con.execute("INSERT INTO prunes VALUES (?, ?, ?, ?, ?)", [now, cutoff, fetches, pages, raw])
    return Pruned(cutoff, fetches, pages, raw)


def prune_due(con: duckdb.DuckDBPyConnection, *, now: datetime) -> bool:
    """Whether a scheduled run should prune: none in the last `PRUNE_EVERY`."""
    row = con.execute("SELECT max(pruned_at) FROM prunes").fetchone()
    last = row[0] if row else None
    return last is None or now - last >= PRUNE_EVERY


def _count(row: tuple[object, ...] | None) -> int:
    return int(row[0]) if row and isinstance(row[0], int) else 0
