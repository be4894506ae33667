"""The raw-page archive: gzip WARC files beside the warehouse, one record per distinct payload.

`raw_pages` says where each payload's record is (file, offset, length); the files are standard
`.warc.gz`, so pywb, warcio or any archive tool reads them as they are. Where the folder is
(`Warehouse.archive`: `news.warc/` beside `news.duckdb` by default) travels with each
connection as the variable `wirehouse_archive`.

Each process appends to files of its own (host, pid and a random token in the name), a new one
past `MAX_FILE_BYTES`. Records are written and synced before the transaction that points at them
commits, so a stored row always has its bytes; a transaction that rolls back leaves records no
row points at, which cost space only and go when their file does (`remove_unused_files`). A
write that fails halfway is cut off, so a file stays a sequence of whole records.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import duckdb

from wirehouse.config.location import archive_beside
from wirehouse.errors import WarehouseError
from wirehouse.records import RawRecord
from wirehouse.warc import read_payload, warcinfo_record
from wirehouse.warehouse.arrow import key_table, registered
from wirehouse.warehouse.connection import ARCHIVE_VARIABLE, is_lake, write_atomically

# WARC's customary file size: large enough to keep the file count low, small enough to move
MAX_FILE_BYTES = 1 << 30
SUFFIX = ".warc.gz"
# an unused file younger than this is never removed, whatever the prune's age: a run on a lake
# (no run lock) may have written it and not committed yet
MIN_UNUSED_AGE = timedelta(days=1)
# a file with less than this share of its bytes still pointed at is rewritten by `compact`
COMPACT_BELOW = 0.5
_HOST_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
# what a stored file name may be: the names `_current_file` makes, nothing that leaves the folder
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.warc\.gz$")
# two processes with the same host name and pid (containers) still write different files
_PROCESS_TOKEN = secrets.token_hex(4)


@dataclass(frozen=True, slots=True)
class Location:
    """Where one record is: a file of the archive (its name), the offset and the length."""

    file: str
    offset: int
    length: int


def archive_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """The archive folder of the warehouse `con` is open on."""
    row = con.execute(f"SELECT getvariable('{ARCHIVE_VARIABLE}')").fetchone()
    if row and row[0]:
        return Path(str(row[0]))
    if is_lake(con):
        raise WarehouseError(
            "this DuckLake's data is in object storage: set archive_dir (WIREHOUSE_ARCHIVE_DIR)"
            " to a folder every process of the lake can read and write, for its raw pages"
        )
    # a connection not opened by `connect` (a test's, a user's own): the file's default
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if not row or not row[0]:
        raise WarehouseError("an in-memory warehouse has no folder for its raw-page archive")
    return archive_beside(Path(str(row[0])))


def append(con: duckdb.DuckDBPyConnection, records: Sequence[RawRecord]) -> list[Location]:
    """Append `records` to this process's current archive file, sync it and record the file as
    this warehouse's (in the caller's transaction); their locations, in order."""
    if not records:
        return []
    locations = write_records(archive_dir(con), records)
    _register(con, locations[0].file)
    return locations


def _register(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Record `name` as one of this warehouse's files (in the caller's transaction), so pruning
    may judge it."""
    con.execute(
        "INSERT INTO archive_files SELECT ?, now() WHERE NOT EXISTS"
        " (SELECT 1 FROM archive_files WHERE warc_file = ?)",
        [name, name],
    )


def write_records(folder: Path, records: Sequence[RawRecord]) -> list[Location]:
    """Append `records` to this process's current file in `folder` and sync it (`append`
    without recording the file: for migration 011, which runs before the table exists)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return _write(_current_file(folder), records)
    except OSError as exc:
        raise WarehouseError(f"cannot write the raw-page archive in {folder}: {exc}") from exc


def _write(path: Path, records: Sequence[RawRecord]) -> list[Location]:
    """Append and sync; on a failure the file is cut back to where it was (never a torn
    record), and a new file's folder entry is synced too."""
    new = not path.exists()
    with path.open("ab") as out:
        start = out.tell()
        try:
            if start == 0:
                out.write(warcinfo_record(f"wirehouse/{version('wirehouse')}"))
            locations = []
            for record in records:
                offset = out.tell()
                out.write(record.data)
                locations.append(Location(path.name, offset, len(record.data)))
            out.flush()
            os.fsync(out.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                out.truncate(start)
            raise
    if new:
        folder_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder_fd)
        finally:
            os.close(folder_fd)
    return locations


def read(folder: Path, where: Location, digest: str) -> bytes:
    """The payload stored at `where`, checked against `digest`."""
    return read_payload(_record_bytes(folder, where, digest), digest)


def _record_bytes(folder: Path, where: Location, digest: str) -> bytes:
    """The record at `where` as stored (its gzip member)."""
    if not _FILE_NAME.match(where.file):  # a name in the folder, nothing else
        raise WarehouseError(f"bad archive file name {where.file!r}")
    try:
        with (folder / where.file).open("rb") as f:
            f.seek(where.offset)
            return f.read(where.length)
    except OSError as exc:
        raise WarehouseError(f"cannot read raw page {digest} from {folder}: {exc}") from exc


def compact(con: duckdb.DuckDBPyConnection, *, older_than: timedelta, now: datetime) -> list[str]:
    """Copy the live records of this warehouse's sparse files (under `COMPACT_BELOW` of their
    bytes still pointed at, not written within `older_than` and `MIN_UNUSED_AGE`) to the
    current file and point their rows there; the emptied files go with `remove_unused_files`.
    A pruned page's bytes are otherwise kept as long as one newer page shares its file."""
    folder = archive_dir(con)
    cutoff = _untouched_since(older_than, now)
    live = con.execute(
        "SELECT f.warc_file, sum(r.warc_length) FROM archive_files f"
        " JOIN raw_pages r USING (warc_file) GROUP BY f.warc_file ORDER BY f.warc_file"
    ).fetchall()
    moved = []
    for name, live_bytes in live:
        try:
            stat = (folder / name).stat()
        except FileNotFoundError:
            continue
        if stat.st_mtime >= cutoff or live_bytes >= COMPACT_BELOW * stat.st_size:
            continue
        rows = con.execute(
            "SELECT raw_hash, html_bytes, warc_offset, warc_length FROM raw_pages"
            " WHERE warc_file = ? ORDER BY warc_offset",
            [name],
        ).fetchall()
        try:
            records = []
            for digest, size, offset, length in rows:
                data = _record_bytes(folder, Location(name, offset, length), digest)
                read_payload(data, digest)  # a damaged record is not copied on as if whole
                records.append(RawRecord(digest, size, data))
        except WarehouseError:
            continue  # left as it is; `reextract` reports its damaged pages
        locations = write_records(folder, records)
        write_atomically(con, functools.partial(_repoint, old=name, rows=rows, to=locations))
        moved.append(name)
    return moved


def _repoint(
    con: duckdb.DuckDBPyConnection,
    old: str,
    rows: Sequence[tuple[str, int, int, int]],
    to: Sequence[Location],
) -> None:
    """Point the rows still at their place in `old` to their copies (a row another process
    changed meanwhile is left to it)."""
    for (digest, _, offset, _), where in zip(rows, to, strict=True):
        con.execute(
            "UPDATE raw_pages SET warc_file = ?, warc_offset = ?, warc_length = ?"
            " WHERE raw_hash = ? AND warc_file = ? AND warc_offset = ?",
            [where.file, where.offset, where.length, digest, old, offset],
        )
    if to:
        _register(con, to[0].file)


def remove_unused_files(
    con: duckdb.DuckDBPyConnection, *, older_than: timedelta, now: datetime
) -> list[str]:
    """Delete this warehouse's archive files no `raw_pages` row points into and nobody wrote to
    within `older_than` (and at least `MIN_UNUSED_AGE`); call it after the prune committed.
    Files another warehouse wrote into a shared folder are not this one's to judge."""
    folder = archive_dir(con)
    unused = [
        r[0]
        for r in con.execute(
            "SELECT warc_file FROM archive_files f WHERE NOT EXISTS"
            " (SELECT 1 FROM raw_pages r WHERE r.warc_file = f.warc_file) ORDER BY warc_file"
        ).fetchall()
    ]
    cutoff = _untouched_since(older_than, now)
    removed = []
    for name in unused:
        path = folder / name
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            path.unlink()
        except FileNotFoundError:
            pass
        removed.append(name)
    if removed:
        with registered(con, _removed_files=key_table("warc_file", removed)):
            con.execute(
                "DELETE FROM archive_files"
                " WHERE warc_file IN (SELECT warc_file FROM _removed_files)"
            )
    return removed


def _current_file(folder: Path) -> Path:
    """This process's file to append to: `wirehouse-<day>-<host>-<pid>-<token>-<n>.warc.gz`,
    the first not yet full."""
    day = datetime.now(UTC).strftime("%Y%m%d")
    host = _HOST_UNSAFE.sub("_", socket.gethostname())[:64] or "host"
    stem = f"wirehouse-{day}-{host}-{os.getpid()}-{_PROCESS_TOKEN}"
    n = 0
    while True:
        path = folder / f"{stem}-{n:05d}{SUFFIX}"
        try:
            if path.stat().st_size < MAX_FILE_BYTES:
                return path
        except FileNotFoundError:
            return path
        n += 1


def _untouched_since(older_than: timedelta, now: datetime) -> float:
    """The mtime a file must be older than for pruning to touch it: the prune's age, and never
    less than `MIN_UNUSED_AGE`."""
    return (now - max(older_than, MIN_UNUSED_AGE)).timestamp()
