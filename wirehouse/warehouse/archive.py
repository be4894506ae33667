"""The raw-page archive: gzip WARC files beside the warehouse, one record per distinct payload.

`raw_pages` says where each payload's record is (file, offset, length); the files are standard
`.warc.gz`, so pywb, warcio or any archive tool reads them as they are. Where the folder is
(`Warehouse.archive`: `news.warc/` beside `news.duckdb` by default) travels with each
connection as the variable `wirehouse_archive`.

Each process appends to files of its own (host and pid in the name), a new one past
`MAX_FILE_BYTES`. Records are written and synced before the transaction that points at them
commits, so a stored row always has its bytes; a transaction that rolls back leaves records no
row points at, which cost space only and go when their file does (`remove_unused_files`).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import duckdb

from wirehouse.config.location import archive_beside
from wirehouse.errors import WarehouseError
from wirehouse.warc import RawRecord, read_payload, warcinfo_record
from wirehouse.warehouse.connection import ARCHIVE_VARIABLE

# WARC's customary file size: large enough to keep the file count low, small enough to move
MAX_FILE_BYTES = 1 << 30
SUFFIX = ".warc.gz"
_HOST_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


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
    # a connection not opened by `connect` (a test's, a user's own): the file's default
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if not row or not row[0]:
        raise WarehouseError("an in-memory warehouse has no folder for its raw-page archive")
    return archive_beside(Path(str(row[0])))


def append(con: duckdb.DuckDBPyConnection, records: Sequence[RawRecord]) -> list[Location]:
    """Append `records` to this process's current archive file and sync it; their locations,
    in order."""
    if not records:
        return []
    folder = archive_dir(con)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = _current_file(folder)
        locations = []
        with path.open("ab") as out:
            if out.tell() == 0:
                out.write(warcinfo_record(f"wirehouse/{version('wirehouse')}"))
            for record in records:
                offset = out.tell()
                out.write(record.data)
                locations.append(Location(path.name, offset, len(record.data)))
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise WarehouseError(f"cannot write the raw-page archive in {folder}: {exc}") from exc
    return locations


def read(folder: Path, where: Location, digest: str) -> bytes:
    """The payload stored at `where`, checked against `digest`."""
    if "/" in where.file or where.file.startswith("."):  # a name in the folder, nothing else
        raise WarehouseError(f"bad archive file name {where.file!r}")
    try:
        with (folder / where.file).open("rb") as f:
            f.seek(where.offset)
            data = f.read(where.length)
    except OSError as exc:
        raise WarehouseError(f"cannot read raw page {digest} from {folder}: {exc}") from exc
    return read_payload(data, digest)


def remove_unused_files(
    con: duckdb.DuckDBPyConnection, *, older_than: timedelta, now: datetime
) -> list[str]:
    """Delete the archive files no `raw_pages` row points into and nobody wrote to within
    `older_than` (a file being written is never one); call it after the prune committed."""
    folder = archive_dir(con)
    if not folder.is_dir():
        return []
    used = {r[0] for r in con.execute("SELECT DISTINCT warc_file FROM raw_pages").fetchall()}
    cutoff = (now - older_than).timestamp()
    removed = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if path.name in used:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path.name)
        except FileNotFoundError:
            continue
    return removed


def _current_file(folder: Path) -> Path:
    """This process's file to append to: `wirehouse-<day>-<host>-<pid>-<n>.warc.gz`, the
    first not yet full."""
    day = datetime.now(UTC).strftime("%Y%m%d")
    host = _HOST_UNSAFE.sub("_", socket.gethostname())[:64] or "host"
    stem = f"wirehouse-{day}-{host}-{os.getpid()}"
    n = 0
    while True:
        path = folder / f"{stem}-{n:05d}{SUFFIX}"
        try:
            if path.stat().st_size < MAX_FILE_BYTES:
                return path
        except FileNotFoundError:
            return path
        n += 1
