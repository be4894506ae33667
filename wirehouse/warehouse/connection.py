"""Opening the DuckDB warehouse: one writer at a time, and errors a user can act on.

DuckDB lets one process hold a file read-write and makes every other process fail at once,
readers included. So writers keep their windows short, and `connect` can wait for a window
(reporting that it waits) instead of failing on the first lock error.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from wirehouse.errors import WarehouseBusy, WarehouseError

log = logging.getLogger(__name__)

_LOCK_MESSAGE = "Could not set lock on file"
# what DuckDB raises when its files cannot be written (EACCES, ENOSPC, EFBIG), e.g. at a commit
_STORAGE_ERRORS = (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException)


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    wait_s: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, waiting up to `wait_s` while another process writes to it."""
    path = Path(path)
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
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if _LOCK_MESSAGE not in str(exc):
                raise WarehouseError(f"cannot open warehouse {path}: {_first_line(exc)}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is being written by another process; try again shortly"
                ) from exc
            if on_wait is not None and not told:
                on_wait(f"warehouse {path} is busy (a run is writing); waiting up to {wait_s:.0f}s")
                told = True
            time.sleep(0.1)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open warehouse {path}: {_first_line(exc)}") from exc


@contextlib.contextmanager
def session(
    path: str | Path, *, read_only: bool = False, wait_s: float = 0.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection: open, use, close (so other processes get their turn)."""
    con = connect(path, read_only=read_only, wait_s=wait_s)
    try:
        yield con
    except _STORAGE_ERRORS as exc:  # a read-only directory, a full disk: one line for the user
        raise WarehouseError(f"cannot write warehouse {path}: {_first_line(exc)}") from exc
    finally:
        con.close()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a crash or an error inside leaves the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextlib.contextmanager
def run_lock(path: str | Path) -> Iterator[None]:
    """Hold `<warehouse>.lock` for a whole run, so two runs never interleave their writes.

    The lock is an advisory `flock`: the kernel drops it when the process dies, so a run killed
    with -9 never leaves a stale lock behind.
    """
    lock_path = Path(f"{path}.lock")
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
                f"another ingest run (pid {holder}) is writing to {path}; this run was not started"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def read_copy_path(path: str | Path) -> Path:
    """Where the published read-only copy of a warehouse lives: `<name>.read.duckdb`."""
    path = Path(path)
    return path.with_name(f"{path.stem}.read{path.suffix or '.duckdb'}")


def publish_read_copy(path: str | Path) -> Path:
    """Copy the warehouse to `read_copy_path` and swap it in atomically.

    DuckDB refuses every other process while one writes, readers included; a SQL client pointed
    at the copy is never refused. Call it with no connection open on `path` (so the file is
    checkpointed and whole) while holding the run lock (so no run writes meanwhile). Readers
    that have the old copy open keep reading it; new ones get the new copy.
    """
    path = Path(path)
    target = read_copy_path(path)
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(path, tmp)
    os.replace(tmp, target)
    return target
