"""Keeping a DuckLake small and fast: compaction, snapshot expiry and file cleanup.

Every load writes small Parquet files and a snapshot, and DuckLake never deletes a file on its
own (time travel may still need it). `maintain` runs DuckLake's own functions, in the order its
CHECKPOINT uses, with ages that keep what a running writer or reader may still touch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from wirehouse.config.location import Warehouse
from wirehouse.errors import ConfigError
from wirehouse.timespec import parse_duration
from wirehouse.warehouse.connection import LAKE_ALIAS, is_lake, lost_race, retry_races, session

# snapshots older than a week are expired: a week of time travel for a reader's "what did the
# lake hold on Monday", and far longer than any run or query
EXPIRE_OLDER_THAN = timedelta(days=7)
# files scheduled for deletion (by expiry or compaction) a day ago, and files in the data path
# that the catalog does not know that are a day old, are deleted: a query reading an old file,
# or a writer whose Parquet files are written but not yet committed, never lasts a day
DELETE_OLDER_THAN = timedelta(days=1)
# a file with a tenth of its rows deleted or updated is rewritten (DuckLake's default, 0.95,
# leaves nearly every file of a table whose rows are updated by each run small and unmerged:
# a file with deletes is never merged)
REWRITE_DELETE_THRESHOLD = 0.1
# orphan deletion below this age could delete a running writer's uncommitted files
MIN_ORPHAN_AGE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Maintenance:
    """What one maintenance pass did."""

    files_before: int
    files_after: int
    snapshots_expired: int
    files_deleted: int
    orphans_deleted: int
    dry_run: bool = False

    def describe(self) -> str:
        """One line for the operator (the CLI prints it, the flow logs it)."""
        would = "would be " if self.dry_run else ""
        return (
            f"data files: {self.files_before} before, {self.files_after} after; "
            f"{self.snapshots_expired} snapshots {would}expired; "
            f"{self.files_deleted} unused and {self.orphans_deleted} orphaned files {would}deleted"
        )


def vanished_during_scan(exc: duckdb.Error) -> bool:
    """Whether the orphan scan failed on a file that went between its listing and its reading:
    a writer's uncommitted file, removed when its commit lost a race (the scan is then run
    again; such a file is no orphan to delete)."""
    text = str(exc)
    return (
        isinstance(exc, duckdb.IOException)
        and "Cannot open file" in text
        and "No such file or directory" in text
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> int:
    return len(con.execute(sql, params).fetchall())


def data_files(con: duckdb.DuckDBPyConnection) -> int:
    """The Parquet data files the lake's current snapshot uses."""
    row = con.execute(
        f"SELECT count(*) FROM __ducklake_metadata_{LAKE_ALIAS}.ducklake_data_file"
        " WHERE end_snapshot IS NULL"
    ).fetchone()
    return int(row[0]) if row else 0


def maintain(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime,
    expire_older_than: timedelta = EXPIRE_OLDER_THAN,
    delete_older_than: timedelta = DELETE_OLDER_THAN,
    dry_run: bool = False,
) -> Maintenance:
    """Flush inlined rows to Parquet, rewrite mostly-deleted files, merge small files, expire
    old snapshots, delete the files nothing needs any more; `dry_run` only counts what expiry
    and cleanup would do.

    Each step is its own DuckLake commit; one that loses a race with a writer is run again.
    """
    if not is_lake(con):
        raise ConfigError("lake maintenance needs a DuckLake (--db ducklake:...)")
    if delete_older_than < MIN_ORPHAN_AGE:
        raise ConfigError(
            f"files younger than {MIN_ORPHAN_AGE} may belong to a running writer: "
            "keep --delete-older-than at 1h or more"
        )
    lake = LAKE_ALIAS
    before = data_files(con)

    def step(
        sql: str, params: list[object], raced: Callable[[duckdb.Error], bool] = lost_race
    ) -> int:
        return retry_races(
            lambda: _count(con, sql, params), attempts=10, wait_s=0.2, raced=raced, rollback=con
        )

    if not dry_run:
        step("CALL ducklake_flush_inlined_data(?)", [lake])
        # files mostly deleted (each run's UPDATEs leave such files) are rewritten without the
        # deleted rows, then the small files merged into few
        step(
            "CALL ducklake_rewrite_data_files(?, delete_threshold => ?)",
            [lake, REWRITE_DELETE_THRESHOLD],
        )
        step("CALL ducklake_merge_adjacent_files(?)", [lake])
    expired = step(
        "CALL ducklake_expire_snapshots(?, dry_run => ?, older_than => ?)",
        [lake, dry_run, now - expire_older_than],
    )
    deleted = step(
        "CALL ducklake_cleanup_old_files(?, dry_run => ?, older_than => ?)",
        [lake, dry_run, now - delete_older_than],
    )
    orphans = step(
        "CALL ducklake_delete_orphaned_files(?, dry_run => ?, older_than => ?)",
        [lake, dry_run, now - delete_older_than],
        raced=lambda exc: lost_race(exc) or vanished_during_scan(exc),
    )
    return Maintenance(
        files_before=before,
        files_after=data_files(con),
        snapshots_expired=expired,
        files_deleted=deleted,
        orphans_deleted=orphans,
        dry_run=dry_run,
    )


def maintain_lake(
    where: Warehouse,
    *,
    now: datetime,
    expire_older_than: str,
    delete_older_than: str,
    dry_run: bool = False,
) -> Maintenance:
    """`maintain` the lake at `where`, with the ages as an operator writes them (7d, 24h, 0m)."""
    expire = parse_duration(expire_older_than, allow_zero=True)
    delete = parse_duration(delete_older_than, allow_zero=True)
    with session(where) as con:
        return maintain(
            con, now=now, expire_older_than=expire, delete_older_than=delete, dry_run=dry_run
        )
