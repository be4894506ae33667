"""A write session held open across the batch loads of one run, closed after the first load
past `max_hold_s` (15 s).

Closing a DuckDB connection checkpoints the file, and a checkpoint rewrites the row groups
the loads appended to (of `connection.ROW_GROUP_SIZE` rows): 0.27 s of CPU each in a cold 10k
run. A run's loader therefore keeps its `session` open across loads and closes it between two
of them, which is when other processes (`wirehouse sql`, `wirehouse search`; they wait 30 s to
a minute) get their window. In a cold 10k run of `bench/ingest_bench.py`, 15 s instead of 5 s
made 8 closes instead of 17, and 2.4 s of the loader's CPU instead of 4.0 s. A reader waits
out the hold and the load that ends it; loads come every second or two while a run has pages.

The session also runs DuckDB on one thread and lets its write-ahead log grow to
`LOADER_CHECKPOINT_THRESHOLD` before checkpointing by itself. During a run the extraction
workers own the cores, and a batch load's queries are small: one thread per core (DuckDB's
default) only made them contend. Measured with `bench/ingest_bench.py --only-cold --articles
3000 --feeds 150`, when the pages' HTML was still stored in DuckDB: the run's own process
used 20.3 s of CPU with the defaults, 16.8 s with these.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import duckdb

from wirehouse.config.location import Warehouse
from wirehouse.warehouse.connection import session

LOADER_THREADS = 1
# larger than a hold's worth of batches, so the close is the hold's one checkpoint
LOADER_CHECKPOINT_THRESHOLD = "1GB"


class HeldSession:
    """`connection()` opens (or reuses) the session; `close()` ends it; both are idempotent."""

    def __init__(
        self, where: Warehouse | str | Path, *, wait_s: float, max_hold_s: float = 15.0
    ) -> None:
        self._where = where
        self._wait_s = wait_s
        self._max_hold_s = max_hold_s
        self._stack: ExitStack | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            stack = ExitStack()
            con = stack.enter_context(session(self._where, wait_s=self._wait_s))
            con.execute(f"SET threads = {LOADER_THREADS}")
            con.execute(f"SET checkpoint_threshold = '{LOADER_CHECKPOINT_THRESHOLD}'")
            self._con = con
            self._stack = stack
            self._opened_at = time.monotonic()
        return self._con

    def overdue(self) -> bool:
        """Held longer than `max_hold_s`: time to close it and let readers in."""
        return self._con is not None and time.monotonic() - self._opened_at > self._max_hold_s

    def close(self, error: BaseException | None = None) -> None:
        """Close the session; with `error`, as `session` would on it (a storage error becomes
        a `WarehouseError`, raised from here)."""
        stack, self._stack, self._con = self._stack, None, None
        if stack is None:
            return
        if error is None:
            stack.close()
        else:
            stack.__exit__(type(error), error, error.__traceback__)
