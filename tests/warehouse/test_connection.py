import subprocess
import sys
import textwrap

import duckdb
import pytest

from wirehouse.errors import WarehouseBusy, WarehouseError
from wirehouse.warehouse.connection import (
    ROW_GROUP_SIZE,
    connect,
    lost_race,
    retry_races,
    run_lock,
    run_lock_taken,
    session,
)


def hold(path, seconds):
    """A real second process holding the warehouse read-write, as a running ingest would."""
    code = textwrap.dedent(
        f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("ready", flush=True)
        time.sleep({seconds})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def stop(proc):
    proc.kill()
    proc.wait()
    proc.stdout.close()


def test_a_reader_gets_a_clear_busy_error_while_another_process_writes(tmp_path):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    proc = hold(path, 5)
    try:
        with pytest.raises(WarehouseBusy, match="being written by another process"):
            connect(path, read_only=True, wait_s=0.3)
    finally:
        stop(proc)


def test_a_reader_that_waits_gets_in_once_the_writer_is_done(tmp_path):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    proc = hold(path, 1)
    messages = []
    con = connect(path, read_only=True, wait_s=20, on_wait=messages.append)
    con.close()
    stop(proc)
    assert messages and "busy" in messages[0]


def test_a_file_that_is_not_a_warehouse_is_a_one_line_error(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_text("this is not a database")
    with pytest.raises(WarehouseError, match="cannot open warehouse"):
        connect(path)


def test_a_missing_warehouse_opened_for_reading_says_to_ingest_first(tmp_path):
    with pytest.raises(WarehouseError, match="run `wirehouse ingest` first"):
        connect(tmp_path / "none.duckdb", read_only=True)


def test_a_second_run_lock_on_the_same_warehouse_is_refused(tmp_path):
    path = tmp_path / "w.duckdb"
    code = textwrap.dedent(
        f"""
        import time
        from wirehouse.warehouse.connection import run_lock
        with run_lock({str(path)!r}):
            print("locked", flush=True)
            time.sleep(5)
        """
    )
    assert not run_lock_taken(path)  # no lock file yet
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        assert run_lock_taken(path) and run_lock_taken(path)  # a probe takes nothing
        with pytest.raises(WarehouseBusy, match=f"pid {proc.pid}"), run_lock(path):
            pass
    finally:
        stop(proc)
    assert not run_lock_taken(path)
    with run_lock(path):  # the kernel released the dead process's lock
        assert not run_lock_taken(path.parent / "other.duckdb")
    with run_lock(path):  # and the probe left none behind
        pass


def test_the_read_copy_is_republished_when_a_run_changed_something_or_it_is_an_hour_old(tmp_path):
    import os
    import time

    from wirehouse.warehouse.connection import (
        READ_COPY_MAX_AGE_S,
        publish_read_copy,
        read_copy_due,
    )

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    assert read_copy_due(db, changed=False)  # no copy yet
    copy = publish_read_copy(db)
    assert copy is not None and copy.exists()
    assert not read_copy_due(db, changed=False)  # every feed 304: nothing to publish
    assert read_copy_due(db, changed=True)
    old = time.time() - READ_COPY_MAX_AGE_S - 1
    os.utime(copy, (old, old))
    assert read_copy_due(db, changed=False)


def test_a_ducklake_has_no_run_lock_and_no_read_copy(tmp_path):
    from wirehouse.config.location import Warehouse
    from wirehouse.warehouse.connection import publish_read_copy, read_copy_due

    lake = Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "data"))
    with run_lock(lake), run_lock(lake):  # concurrent runs are the point of a lake
        assert not run_lock_taken(lake)
    assert not read_copy_due(lake, changed=True)
    assert publish_read_copy(lake) is None
    assert not list(tmp_path.glob("*.lock"))


def test_a_lost_race_is_rolled_back_and_run_again():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x INTEGER)")
    tries = []

    def op():
        con.execute("BEGIN TRANSACTION")  # fails if the last attempt's was left open
        con.execute("INSERT INTO t VALUES (?)", [len(tries)])
        tries.append(1)
        if len(tries) < 3:
            raise duckdb.TransactionException("TransactionContext Error: Transaction conflict")
        con.execute("COMMIT")
        return len(tries)

    assert retry_races(op, attempts=5, wait_s=0, raced=lost_race, rollback=con) == 3
    assert con.execute("SELECT list(x) FROM t").fetchone()[0] == [2]  # only the last one kept


@pytest.mark.parametrize(
    ("message", "lost"),
    [
        ("TransactionContext Error: Transaction conflict on commit", True),
        ("Failed to commit DuckLake transaction: write-write conflict", True),
        ("Current transaction is aborted (please ROLLBACK)", True),
        ("could not serialize access due to concurrent update", True),
        ("Catalog Error: Table with name x does not exist", False),
    ],
)
def test_what_counts_as_a_lost_race(message, lost):
    assert lost_race(duckdb.Error(message)) is lost


def test_a_file_warehouse_appends_in_small_row_groups_so_a_checkpoint_rewrites_little(tmp_path):
    # a checkpoint rewrites whole each row group loads appended to: with DuckDB's 122,880 rows a
    # group, every stored text up to that many articles
    path = tmp_path / "w.duckdb"
    with session(path) as con:
        con.execute("CREATE TABLE t (i INTEGER, body VARCHAR)")
        for start in range(0, 25_000, 1000):  # loads of 1,000 rows
            con.execute(
                "INSERT INTO t SELECT i, 'text ' || i FROM range(?, ?) r(i)", [start, start + 1000]
            )
    with session(path, read_only=True) as con:
        groups = con.execute(
            "SELECT row_group_id, max(count) FROM pragma_storage_info('t') GROUP BY 1"
        ).fetchall()
    assert len(groups) == -(-25_000 // ROW_GROUP_SIZE)  # 4 groups at 8,192; 1 at DuckDB's default
    assert max(rows for _, rows in groups) == ROW_GROUP_SIZE


@pytest.mark.parametrize(
    "file",
    [
        "wirehouse.duckdb",
        "wirehouse.read.duckdb",
        ".hidden.duckdb",
        "x.db.bak",
        "main.duckdb",
        'my warehouse "2".duckdb',
        "memory.duckdb",
    ],
)
def test_sessions_of_one_process_share_the_file_and_let_it_go_when_all_close(tmp_path, file):
    path = tmp_path / file
    with session(path) as first, session(path) as second:
        first.execute("CREATE TABLE t (i INTEGER)")
        second.execute("INSERT INTO t VALUES (1)")
        assert first.execute("SELECT count(*) FROM t").fetchone() == (1,)
        # the catalog is named as `duckdb.connect(path)` names it (but `memory`, taken here)
        catalog = first.execute("SELECT current_database()").fetchone()[0]
        plain = tmp_path / "plain" / file
        plain.parent.mkdir()
        with duckdb.connect(str(plain)) as con:
            expected = con.execute("SELECT current_database()").fetchone()[0]
        assert catalog == (expected if expected != "memory" else "memory_db")
        # and spills beside the file, not into the working directory
        spill = first.execute("SELECT current_setting('temp_directory')").fetchone()[0]
        assert spill == f"{path.resolve()}.tmp"
    # all closed: another process may open the file now
    proc = hold(path, 0)
    stop(proc)
    with session(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_a_session_opens_beside_one_that_spilled_to_disk(tmp_path):
    path = tmp_path / "w.duckdb"
    with session(path) as first:
        first.execute("SET memory_limit = '60MB'")
        first.execute("SET threads = 1")
        first.execute("SET preserve_insertion_order = false")
        first.execute(
            "SELECT count(*) FROM (SELECT md5(i::VARCHAR) || repeat('z', 100) AS s"
            " FROM range(1500000) r(i) ORDER BY s)"
        ).fetchall()
        with session(path) as second:  # the spill directory, used, cannot be set again
            assert second.execute("SELECT 42").fetchone() == (42,)
