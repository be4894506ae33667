"""Opening the warehouse (a DuckDB file or a DuckLake) and writing to it safely.

DuckDB lets one process hold a file read-write and makes every other process fail at once,
readers included. So writers keep their windows short, and `connect` can wait for a window
(reporting that it waits) instead of failing on the first lock error.

A DuckLake takes several writers at once (optimistic concurrency on its catalog). Writes whose
decisions depend on what is stored (is this article new?) go through `write_atomically`, which
makes such transactions conflict with each other and re-runs the loser on fresh state.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb

from wirehouse.config.location import (
    CATALOG_EXTENSIONS,
    Warehouse,
    as_warehouse,
    is_object_store,
    redact,
)
from wirehouse.errors import WarehouseBusy, WarehouseError
from wirehouse.warehouse.extensions import load_extension
from wirehouse.warehouse.objectstore import create_s3_secret, s3_config_from_env
from wirehouse.warehouse.sqltext import first_line, quote_identifier, quote_literal

T = TypeVar("T")

log = logging.getLogger(__name__)

_LOCK_MESSAGE = "Could not set lock on file"
# what DuckDB raises when its files cannot be written (EACCES, ENOSPC, EFBIG), e.g. at a commit
_STORAGE_ERRORS = (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException)


def connect(
    where: Warehouse | str | Path,
    *,
    read_only: bool = False,
    wait_s: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `wait_s` while another process writes to its file."""
    warehouse = as_warehouse(where)
    if warehouse.is_lake:
        return _connect_lake(warehouse, read_only=read_only)
    path = warehouse.file
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `wirehouse ingest` first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create {path.parent}: {exc.strerror}") from exc
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            con = open_file(path, read_only=read_only)
        except duckdb.IOException as exc:
            if _LOCK_MESSAGE not in str(exc):
                raise WarehouseError(f"cannot open warehouse {path}: {first_line(exc)}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is being written by another process; try again shortly"
                ) from exc
            if on_wait is not None and not told:
                on_wait(f"warehouse {path} is busy (a run is writing); waiting up to {wait_s:.0f}s")
                told = True
            time.sleep(0.1)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open warehouse {path}: {first_line(exc)}") from exc
        else:
            return _configured(con, warehouse)


# rows in a row group of a file warehouse (DuckDB's default is 122,880). A checkpoint rewrites
# whole each row group the loads appended to, the articles' texts included: a run's hold (ten
# loads of 125 articles) and the checkpoint that ends it cost 2.6 s of CPU at 100k articles
# stored, against 0.30 s at 8,192 (`bench/row_groups.py`, which shows 2,048 costing more)
ROW_GROUP_SIZE = 8192
# catalog names DuckDB keeps for itself (an instance's own in-memory catalog is `memory`)
_RESERVED_CATALOGS = frozenset({"memory", "system", "temp", "main"})


def _catalog_name(path: Path) -> str:
    """The name `duckdb.connect(path)` gives a file's catalog: the file name up to its first
    dot ("wirehouse.read.duckdb" is `wirehouse`), with `_db` after a reserved one. `memory`
    too becomes `memory_db` here, where the instance's own catalog has that name."""
    name = next((part for part in path.name.split(".") if part), path.name)
    return f"{name}_db" if name.casefold() in _RESERVED_CATALOGS else name


def open_file(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The file attached with `ROW_GROUP_SIZE`, an option only ATTACH takes (`connect` without
    its waiting and settings, for tools that build a warehouse file). The in-memory
    instance is named after the file and the mode, so a process's sessions share it (as
    `duckdb.connect(path)` shares its instance) and the file is let go when the last closes."""
    resolved = str(path.resolve())
    mode = "ro" if read_only else "rw"
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:16]
    con = duckdb.connect(f":memory:wirehouse-{mode}-{digest}")
    alias = quote_identifier(_catalog_name(path))
    options = f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}" + (", READ_ONLY" if read_only else "")
    try:
        if con.execute(
            "SELECT count(*) FROM duckdb_databases() WHERE path = ?", [resolved]
        ).fetchone() == (0,):
            # a new instance: spills go beside the file, as `duckdb.connect(path)`'s do (an
            # in-memory instance's go to `./.tmp`; once used, the setting cannot change)
            con.execute(f"SET temp_directory = '{quote_literal(resolved)}.tmp'")
        con.execute(f"ATTACH IF NOT EXISTS '{quote_literal(resolved)}' AS {alias} ({options})")
        con.execute(f"USE {alias}")
    except BaseException:
        con.close()
        raise
    return con


def _configured(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """`con` held to the warehouse's memory limit (DuckDB's default is 80% of RAM), and told
    where its raw-page archive is (`warehouse.archive`); closed on a bad limit. The limit is the
    database instance's, shared by this process's connections."""
    try:
        if warehouse.archive is not None:
            con.execute(f"SET VARIABLE {ARCHIVE_VARIABLE} = ?", [str(warehouse.archive)])
        con.execute(f"SET memory_limit = '{quote_literal(warehouse.memory_limit)}'")
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(
            f"bad memory limit {warehouse.memory_limit!r}: {first_line(exc)}"
        ) from exc
    return con


# what a connection names its raw-page archive's folder by (`warehouse.archive`)
ARCHIVE_VARIABLE = "wirehouse_archive"
# the catalog name a DuckLake is attached under; `USE lake` makes unqualified names resolve there
LAKE_ALIAS = "lake"


def _connect_lake(warehouse: Warehouse, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached and selected, extensions loaded offline.

    The first ATTACH of a new lake creates its catalog tables; when several processes do that
    at once, the losers fail on tables that now exist and simply attach again.
    """

    def attach() -> duckdb.DuckDBPyConnection:
        con = _configured(duckdb.connect(), warehouse)
        try:
            attach_lake(con, warehouse, read_only=read_only)
            con.execute(f"USE {LAKE_ALIAS}")
            _lake_archive(con, warehouse)
        except BaseException:
            con.close()
            raise
        return con

    try:
        return retry_races(attach, attempts=10, wait_s=0.1, raced=lambda e: _INIT_RACE in str(e))
    except duckdb.Error as exc:
        # DuckDB's message may quote the catalog's connection string, password included
        raise WarehouseError(
            redact(f"cannot open warehouse {warehouse}: {first_line(exc)}")
        ) from exc
    except OSError as exc:
        raise WarehouseError(redact(f"cannot open warehouse {warehouse}: {exc}")) from exc


_INIT_RACE = "Failed to initialize DuckLake"


def _lake_archive(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> None:
    """A lake's raw-page archive: `archive_dir`, else `warc/` in the local data path the lake
    recorded (the same folder whether a run names the data path or not); a lake in object
    storage has none until `archive_dir` is set (`warehouse.archive` says so when needed)."""
    if warehouse.archive is not None:
        return
    recorded = lake_data_path(con)
    if recorded and not is_object_store(recorded):
        con.execute(f"SET VARIABLE {ARCHIVE_VARIABLE} = ?", [str(Path(recorded) / "warc")])


def attach_lake(
    con: duckdb.DuckDBPyConnection,
    warehouse: Warehouse,
    *,
    read_only: bool,
    alias: str = LAKE_ALIAS,
) -> None:
    """Attach the lake to `con` as catalog `alias`, loading the extensions it needs."""
    load_extension(con, "ducklake")
    catalog_extension = CATALOG_EXTENSIONS[warehouse.catalog_kind]
    if catalog_extension:
        load_extension(con, catalog_extension)
    _object_storage(con, warehouse)
    options = []
    if warehouse.local_data_path:
        warehouse.local_data_path.mkdir(parents=True, exist_ok=True)
    if warehouse.data_path:
        options.append(f"DATA_PATH '{quote_literal(warehouse.data_path)}'")
    if read_only:
        options.append("READ_ONLY")
    # rows go to Parquet, never inlined into the catalog: a writer's scan of inlined rows
    # failed with an internal error while maintenance flushed them, and DuckLake's own issues
    # 1413 and 650 report more flush races. Small files cost little: `lake maintain` merges
    # them. The option is this connection's: other tools writing to the lake should set it.
    options.append("DATA_INLINING_ROW_LIMIT 0")
    attach = f"ATTACH '{quote_literal(warehouse.location)}' AS {alias}"
    con.execute(attach + (f" ({', '.join(options)})" if options else ""))


def _object_storage(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> None:
    """Give the connection S3 access from the AWS environment variables, when they are set.

    A lake records its data path, so a reader that gives none may still read from S3: the
    credentials in the environment are what says so (loading httpfs costs 0.1 s a connection).
    """
    config = s3_config_from_env(os.environ)
    if config is None:
        if is_object_store(warehouse.data_path):
            raise WarehouseError(
                f"the data path {warehouse.data_path} needs AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a store other than AWS)"
            )
        return
    load_extension(con, "httpfs")
    create_s3_secret(con, config)


def lake_data_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The data path the current lake recorded (a folder or bucket URL); None for a file."""
    if not is_lake(con):
        return None
    row = con.execute(
        f"SELECT value FROM __ducklake_metadata_{LAKE_ALIAS}.ducklake_metadata"
        " WHERE key = 'data_path'"
    ).fetchone()
    return str(row[0]) if row else None


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this connection's current catalog is a DuckLake."""
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row is not None and row[0] == "ducklake"


# how long a flow's writes wait for a reader (e.g. `wirehouse sql`) to let go of the file
DB_WAIT_S = 30.0


@contextlib.contextmanager
def session(
    where: Warehouse | str | Path, *, read_only: bool = False, wait_s: float = 0.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection: open, use, close (so other processes get their turn)."""
    con = connect(where, read_only=read_only, wait_s=wait_s)
    try:
        yield con
    except _STORAGE_ERRORS as exc:  # a read-only directory, a full disk: one line for the user
        raise WarehouseError(redact(f"cannot write warehouse {where}: {first_line(exc)}")) from exc
    finally:
        con.close()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a crash or an error inside leaves the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):  # already rolled back
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# the messages of a commit that lost a race to another writer, lower-cased
_CONFLICT_MARKERS = (
    # DuckLake's own check of the snapshots committed since this transaction began
    "transaction conflict",
    "write-write conflict",
    "failed to commit ducklake transaction",
    # a PostgreSQL catalog refusing to update rows a concurrent transaction changed (40001),
    # e.g. maintenance merging files while a writer inserts more
    "could not serialize access",
    # a SQLite catalog whose write lock another process holds
    "database is locked",
)


def is_write_conflict(exc: duckdb.Error) -> bool:
    """Whether a commit failed because another writer committed first (worth retrying)."""
    text = str(exc).lower()
    return any(marker in text for marker in _CONFLICT_MARKERS)


def lost_race(exc: duckdb.Error) -> bool:
    """A write conflict, or a statement that went on after losing one: DuckLake may report a
    conflict on one statement and only "transaction is aborted" on the next ones."""
    return is_write_conflict(exc) or "transaction is aborted" in str(exc).lower()


def retry_races(
    op: Callable[[], T],
    *,
    attempts: int,
    wait_s: float,
    raced: Callable[[duckdb.Error], bool],
    rollback: duckdb.DuckDBPyConnection | None = None,
) -> T:
    """Run `op`; when it fails with a DuckDB error that `raced` says lost a race to another
    writer, wait a little longer each time and run it again, up to `attempts` in all.

    With `rollback`, a failed attempt's transaction on that connection is rolled back first:
    a failed DuckLake commit can leave it open and aborted, failing every later statement."""

    def once() -> T:
        try:
            return op()
        except duckdb.Error:
            if rollback is not None:
                with contextlib.suppress(duckdb.Error):  # none open: nothing to roll back
                    rollback.execute("ROLLBACK")
            raise

    for attempt in range(1, attempts):
        try:
            return once()
        except duckdb.Error as exc:
            if not raced(exc):
                raise
            log.info("lost a race with another writer (attempt %d): %s", attempt, first_line(exc))
            time.sleep(wait_s * attempt)
    return once()


def write_atomically(
    con: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    attempts: int = 30,
    wait_s: float = 0.05,
) -> T:
    """Run `work` in one transaction that serialises with every other such transaction.

    Each one first bumps the single row of `write_clock`. In a DuckLake, two concurrent
    transactions that both did so conflict, whatever else they wrote; the loser is rolled back
    and `work` runs again on the winner's committed state, so decisions made by reading the
    warehouse (is this article new?) never race. `work` must only touch the warehouse and
    return what it decided. In a DuckDB file there is one writer, so nothing ever conflicts.
    """

    def once() -> T:
        with transaction(con):
            con.execute("UPDATE write_clock SET writes = writes + 1")
            return work(con)

    return retry_races(once, attempts=attempts, wait_s=wait_s, raced=is_write_conflict)


@contextlib.contextmanager
def run_lock(where: Warehouse | str | Path) -> Iterator[None]:
    """Hold `<warehouse>.lock` for a whole run, so two runs never interleave their writes.

    The lock is an advisory `flock`: the kernel drops it when the process dies, so a run killed
    with -9 never leaves a stale lock behind. A DuckLake takes concurrent runs (its writes are
    serialised by `write_atomically`), so it has no run lock.
    """
    warehouse = as_warehouse(where)
    if warehouse.is_lake:
        yield
        return
    lock_path = Path(f"{warehouse.file}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WarehouseError(f"cannot create {lock_path}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            raise WarehouseBusy(
                f"another ingest run (pid {holder}) is writing to {warehouse}; this run was not"
                " started"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def run_lock_taken(where: Warehouse | str | Path) -> bool:
    """Whether a process holds the warehouse's run lock now (a run would be skipped), read in
    the kernel's table of locks: a probe that took the lock even for a moment could make a run
    starting then skip itself. False where the table cannot be read (not Linux)."""
    warehouse = as_warehouse(where)
    if warehouse.is_lake:
        return False
    try:
        st = os.stat(f"{warehouse.file}.lock")
        table = Path("/proc/locks").read_text()
    except OSError:  # no lock file (no run has held it) or no lock table
        return False
    # /proc/locks: "1: FLOCK  ADVISORY  WRITE <pid> <major>:<minor>:<inode> 0 EOF"; a waiter's
    # line has "->" after the number
    lock = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == lock:
            return True
    return False


def read_copy_path(path: str | Path) -> Path:
    """Where the published read-only copy of a warehouse lives: `<name>.read.duckdb`."""
    path = Path(path)
    return path.with_name(f"{path.stem}.read{path.suffix or '.duckdb'}")


# a run that changed nothing still refreshes a copy this old (its `runs` and `feeds` rows)
READ_COPY_MAX_AGE_S = 3600.0


def read_copy_due(where: Warehouse | str | Path, *, changed: bool) -> bool:
    """Whether a completed run should publish the read copy: when it saw entries or fetched
    pages, or the copy is missing or an hour old. A run where every feed answered 304 (most
    runs, on a 15-minute schedule) skips copying the whole file for two rows of bookkeeping."""
    warehouse = as_warehouse(where)
    if warehouse.is_lake:
        return False
    target = read_copy_path(warehouse.file)
    if changed or not target.exists():
        return True
    return time.time() - target.stat().st_mtime >= READ_COPY_MAX_AGE_S


def publish_read_copy(where: Warehouse | str | Path) -> Path | None:
    """Copy the warehouse to `read_copy_path` and swap it in atomically.

    DuckDB refuses every other process while one writes, readers included; a SQL client pointed
    at the copy is never refused. Call it with no connection open on `path` (so the file is
    checkpointed and whole) while holding the run lock (so no run writes meanwhile). Readers
    that have the old copy open keep reading it; new ones get the new copy. A DuckLake never
    blocks its readers, so it has no copy (returns None).
    """
    warehouse = as_warehouse(where)
    if warehouse.is_lake:
        return None
    path = warehouse.file
    target = read_copy_path(path)
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(path, tmp)
    os.replace(tmp, target)
    return target
