"""The run's loader session: one DuckDB thread and a large checkpoint threshold while it is
held (the extraction workers own the cores), and nothing of that left for later connections."""

from __future__ import annotations

import os

import duckdb

from wirehouse.warehouse.connection import session
from wirehouse.warehouse.held import LOADER_THREADS, HeldSession


def _settings(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    row = con.execute(
        "SELECT current_setting('threads'), current_setting('checkpoint_threshold')"
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def test_the_loader_runs_duckdb_on_one_thread_and_checkpoints_when_it_closes(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    loader = HeldSession(db, wait_s=0)
    con = loader.connection()
    assert loader.connection() is con  # held: the same session until closed
    default_threads = _settings(duckdb.connect())[0]
    threads, threshold = _settings(con)
    assert threads == LOADER_THREADS
    assert threshold == "953.6 MiB"  # LOADER_CHECKPOINT_THRESHOLD (1GB) as DuckDB prints it
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    assert os.path.getsize(f"{db}.wal") > 0  # not checkpointed while held
    loader.close()
    assert not os.path.exists(f"{db}.wal")  # the close is the checkpoint
    with session(db, read_only=True) as reader:
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (1000,)
        assert _settings(reader)[0] == default_threads  # a later connection: all cores
