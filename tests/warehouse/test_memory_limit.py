"""Every warehouse connection is held to the configured memory limit, not DuckDB's 80% of RAM:
a file, a local DuckLake, the run's held loader session and the lake's search copy; a query
that needs more spills to disk or fails with DuckDB's one-line reason."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from wirehouse.config.location import DEFAULT_MEMORY_LIMIT, Warehouse
from wirehouse.config.settings import load_settings
from wirehouse.errors import ConfigError, WarehouseError
from wirehouse.warehouse.connection import connect, session
from wirehouse.warehouse.held import HeldSession
from wirehouse.warehouse.search import index_home
from wirehouse.warehouse.sqlshell import run_query


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def _as_duckdb_shows(size: str) -> str:
    """How DuckDB itself renders a limit of `size` (512MB reads back as 488.2 MiB)."""
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{size}'")
        return _limit(con)


def _duckdb_default() -> str:
    with duckdb.connect() as con:
        return _limit(con)


def _lake(tmp_path: Path, **limit: str) -> Warehouse:
    return Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "data"), **limit)


@pytest.mark.parametrize("size", ["300MB", "2GiB"])
def test_a_file_warehouse_connection_has_the_configured_limit(tmp_path: Path, size: str) -> None:
    warehouse = Warehouse(str(tmp_path / "w.duckdb"), memory_limit=size)
    with session(warehouse) as con:
        assert _limit(con) == _as_duckdb_shows(size)
    with session(warehouse, read_only=True) as con:
        assert _limit(con) == _as_duckdb_shows(size)


@pytest.mark.parametrize("size", ["300MB", "2GiB"])
def test_a_local_ducklake_connection_has_the_configured_limit(tmp_path: Path, size: str) -> None:
    with session(_lake(tmp_path, memory_limit=size)) as con:
        assert _limit(con) == _as_duckdb_shows(size)


def test_a_bare_location_gets_the_default_limit_not_duckdbs(tmp_path: Path) -> None:
    assert _as_duckdb_shows(DEFAULT_MEMORY_LIMIT) != _duckdb_default()
    with session(tmp_path / "w.duckdb") as con:
        assert _limit(con) == _as_duckdb_shows(DEFAULT_MEMORY_LIMIT)
    with session(f"ducklake:{tmp_path / 'c.ducklake'}") as con:
        assert _limit(con) == _as_duckdb_shows(DEFAULT_MEMORY_LIMIT)


def test_the_setting_reaches_the_connection(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config/wirehouse.toml of the repository's
    monkeypatch.setenv("WIREHOUSE_DUCKDB_MEMORY_LIMIT", "768MB")
    settings = load_settings(db=str(tmp_path / "w.duckdb"))
    with session(settings.warehouse) as con:
        assert _limit(con) == _as_duckdb_shows("768MB")


@pytest.mark.parametrize("bad", ["80%", "lots", "1 GB; SET threads = 1", "", "-5MB"])
def test_a_bad_limit_is_refused_as_a_setting(tmp_path: Path, monkeypatch, bad: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="duckdb_memory_limit"):
        load_settings(duckdb_memory_limit=bad)


def test_a_limit_duckdb_refuses_is_one_line_at_connect(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="bad memory limit 'lots'"):
        connect(Warehouse(str(tmp_path / "w.duckdb"), memory_limit="lots"))


def test_the_runs_held_loader_session_has_the_limit(tmp_path: Path) -> None:
    held = HeldSession(Warehouse(str(tmp_path / "w.duckdb"), memory_limit="300MB"), wait_s=0)
    try:
        assert _limit(held.connection()) == _as_duckdb_shows("300MB")
    finally:
        held.close()


def test_a_lakes_search_copy_keeps_the_lakes_limit(tmp_path: Path) -> None:
    home = index_home(_lake(tmp_path, memory_limit="300MB"))
    assert home.memory_limit == "300MB" and not home.is_lake
    with session(home) as con:
        assert _limit(con) == _as_duckdb_shows("300MB")


def test_a_query_bigger_than_the_limit_spills_or_fails_with_the_reason(tmp_path: Path) -> None:
    with session(Warehouse(str(tmp_path / "w.duckdb"), memory_limit="64MB")) as con:
        # ~220 MB of strings sorted: more than the limit, so only a sort that spilled finishes
        _, rows = run_query(
            con,
            "SELECT count(*), max(s) FROM (SELECT repeat('x', 100) || i AS s"
            " FROM range(2000000) t(i) ORDER BY s DESC)",
        )
        assert rows == [(2_000_000, "x" * 100 + "999999")]
        # one 160 MB list cannot spill: DuckDB refuses it instead of growing the process
        with pytest.raises(WarehouseError, match="Out of Memory"):
            run_query(con, "SELECT list(i) FROM range(20000000) t(i)")
