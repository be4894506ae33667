"""`wirehouse lake maintain`: DuckLake's compaction, snapshot expiry and file cleanup, safe
while a writer is active, and the `lake-maintain` flow that runs it on a schedule."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from pprint import pformat

import pytest

from devkit.newsroom import Newsroom
from tests.scaleout.conftest import ROOT, WIREHOUSE, feed_list, finish_all, ingest_into
from tests.scaleout.test_ducklake import KEYS, content, differences, duplicate_keys
from wirehouse.config.location import Warehouse
from wirehouse.errors import ConfigError
from wirehouse.warehouse.connection import connect, session
from wirehouse.warehouse.lake import data_files, maintain


def small_inserts(lake: Warehouse, batches: int) -> list[tuple[int, int]]:
    """A table written by `batches` separate commits (one small Parquet file each)."""
    with session(lake) as con:
        con.execute("CREATE TABLE t (i INTEGER, s VARCHAR)")
        for k in range(batches):
            con.execute(
                "INSERT INTO t SELECT range, repeat('x', 50) FROM range(?, ?)",
                [k * 100, k * 100 + 100],
            )
        con.execute("DELETE FROM t WHERE i < 300 OR i % 7 = 0")
        # a one-row table bumped by every transaction, as `write_clock` is
        con.execute("CREATE TABLE clock (n INTEGER)")
        con.execute("INSERT INTO clock VALUES (0)")
        for _ in range(batches):
            con.execute("UPDATE clock SET n = n + 1")
        return con.execute("SELECT count(*), sum(i) FROM t").fetchall()


def lake_files(folder: Path) -> set[Path]:
    return set(folder.rglob("*.parquet"))


def test_maintenance_compacts_expires_and_deletes_only_what_nothing_needs(tmp_path: Path) -> None:
    lake = Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "data"))
    rows = small_inserts(lake, 25)
    on_disk = lake_files(tmp_path / "data")
    now = datetime.now(UTC)
    with session(lake) as con:
        files = data_files(con)
        assert files >= 22  # at least one per insert that kept rows
        dry = maintain(con, now=now + timedelta(days=30), dry_run=True)
        assert (dry.files_before, dry.files_after) == (files, files)  # a dry run changes nothing
        assert dry.snapshots_expired > 0
        # today, with the defaults: small files merged, no snapshot is a week old, and the
        # merged-away files were scheduled for deletion just now, so all stay on disk
        first = maintain(con, now=now)
        assert first.files_before == files and first.files_after < 5
        assert (first.snapshots_expired, first.files_deleted, first.orphans_deleted) == (0, 0, 0)
        assert con.execute("SELECT count(*), sum(i) FROM t").fetchall() == rows
        # time travel to before the merge still works: its files are kept
        assert con.execute("SELECT count(*) FROM t AT (VERSION => 3)").fetchone() == (200,)
    assert on_disk <= lake_files(tmp_path / "data")
    with session(lake) as con:
        # eight days on, the old snapshots expire and the files only they used are deleted
        later = maintain(con, now=now + timedelta(days=8))
        assert later.snapshots_expired > 0 and later.files_deleted >= files
        assert con.execute("SELECT count(*), sum(i) FROM t").fetchall() == rows
        in_use = {
            path
            for (path,) in con.execute(
                "SELECT path FROM __ducklake_metadata_lake.ducklake_data_file"
                " WHERE end_snapshot IS NULL"
            ).fetchall()
        }
    # of the files from before, only the clock's last one is left: the lake still reads it
    kept = on_disk & lake_files(tmp_path / "data")
    assert len(kept) == 1 and {f.name for f in kept} <= in_use
    assert next(iter(kept)).parent.name == "clock"


def test_a_writer_inlines_no_rows_so_no_flush_can_race_a_reader(tmp_path: Path) -> None:
    # DuckLake inlines small writes into the catalog by default; flushing them beside a reader
    # in another process fails that reader with an internal error
    lake = Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "data"))
    small_inserts(lake, 2)
    with session(lake) as con:
        inlined = con.execute(
            "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_inlined_data_tables"
        ).fetchone()
        assert inlined == (0,)
        assert con.execute("SELECT n FROM clock").fetchall() == [(2,)]
    assert {f.parent.name for f in lake_files(tmp_path / "data")} == {"t", "clock"}


def test_maintenance_refuses_what_is_not_safe(tmp_path: Path) -> None:
    lake = Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "data"))
    small_inserts(lake, 2)
    with session(lake) as con, pytest.raises(ConfigError, match="running writer"):
        maintain(con, now=datetime.now(UTC), delete_older_than=timedelta(minutes=5))
    con = connect(tmp_path / "file.duckdb")
    try:
        with pytest.raises(ConfigError, match="needs a DuckLake"):
            maintain(con, now=datetime.now(UTC))
    finally:
        con.close()
    # the CLI says so in one line, exit 2
    done = subprocess.run(
        [WIREHOUSE, "lake", "maintain", "--db", str(tmp_path / "file.duckdb")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: lake maintenance needs a DuckLake (--db ducklake:...)"
    ]


def test_the_orphan_scan_outlasts_files_that_go_while_it_reads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a writer whose commit loses a race removes the Parquet files it had written; DuckLake's
    # orphan scan lists the data path, then reads each file, and fails on one gone meanwhile
    lake = Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "data"))
    rows = small_inserts(lake, 3)
    folder = tmp_path / "data" / "main" / "t"
    old = folder / "ducklake-left-by-a-crash.parquet"
    old.write_bytes(b"PAR1")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    stop = threading.Event()

    def losing_writer() -> None:
        while not stop.is_set():
            written = [folder / f"ducklake-uncommitted-{i}.parquet" for i in range(40)]
            for path in written:
                path.write_bytes(b"PAR1")
            for path in written:
                path.unlink()

    churn = threading.Thread(target=losing_writer)
    churn.start()
    retried, passes = 0, 0
    try:
        with session(lake) as con, caplog.at_level(logging.INFO):
            first = maintain(con, now=datetime.now(UTC))
            while retried < 3 and passes < 500:
                maintain(con, now=datetime.now(UTC), dry_run=True)
                passes += 1
                retried = sum("Cannot open file" in r.getMessage() for r in caplog.records)
            assert con.execute("SELECT count(*), sum(i) FROM t").fetchall() == rows
    finally:
        stop.set()
        churn.join()
    assert retried >= 3, f"no file went during {passes} scans"
    # the scan still deletes a real orphan, and no file of the losing writer is counted as one
    assert first.orphans_deleted == 1 and not old.exists()


@pytest.mark.timeout(600)  # a reference run and the maintained one
def test_maintenance_while_a_writer_is_active_loses_nothing(
    prefect_api: str, postgres: Callable[[str], str], room: Newsroom, tmp_path: Path
) -> None:
    feeds = feed_list(tmp_path / "feeds.txt", room.feed_urls)
    one = tmp_path / "one.duckdb"
    # the reference run goes at the same time as the maintained one: they share nothing
    reference = ingest_into(prefect_api, feeds, one)
    lake = Warehouse(f"ducklake:postgres:{postgres('maintained')}", str(tmp_path / "lake"))
    writer = ingest_into(prefect_api, feeds, lake)
    passes = []
    try:
        # as often as it can while the writer loads: merge its files, expire every snapshot but
        # the newest, and delete at once the files that frees
        while writer.poll() is None:
            done = subprocess.run(
                [
                    WIREHOUSE,
                    "lake",
                    "maintain",
                    "--db",
                    lake.location,
                    "--data-path",
                    str(lake.data_path),
                    "--expire-older-than",
                    "0m",
                ],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env={**os.environ, "PREFECT_API_URL": prefect_api},
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            passes.append(done.stdout + done.stderr)
    finally:
        out, _ = finish_all([writer, reference])
    assert "warehouse: " in out
    assert any(p.startswith("data files:") for p in passes), passes
    assert duplicate_keys(lake) == {t: 0 for t in KEYS}
    diff = differences(content(lake), content(one))
    assert not diff, pformat(diff, width=200)
    with session(lake) as con:
        after = maintain(
            con, now=datetime.now(UTC) + timedelta(days=2), expire_older_than=timedelta(0)
        )
    assert after.files_after <= after.files_before
    diff = differences(content(lake), content(one))
    assert not diff, pformat(diff, width=200)


def test_the_lake_maintain_flow_runs_from_the_environment(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wirehouse.flows.maintain import lake_maintain

    lake = Warehouse(f"ducklake:sqlite:{tmp_path / 'c.sqlite'}", str(tmp_path / "data"))
    rows = small_inserts(lake, 12)
    monkeypatch.setenv("WIREHOUSE_DB", lake.location)
    counts = lake_maintain()
    assert counts["files_before"] >= 9 and counts["files_after"] < 3  # 12 inserts, 3 deleted
    with session(lake, read_only=True) as con:
        assert con.execute("SELECT count(*), sum(i) FROM t").fetchall() == rows
