"""Warehouse locations (file or DuckLake) and the DuckLake dialect of the migrations."""

from pathlib import Path

import duckdb
import pytest

from wirehouse.errors import ConfigError
from wirehouse.warehouse.location import Warehouse
from wirehouse.warehouse.migrate import available_migrations, for_ducklake


@pytest.mark.parametrize(
    ("location", "kind"),
    [
        ("data/wirehouse.duckdb", "file"),
        ("ducklake:postgres:dbname=news host=127.0.0.1", "postgres"),
        ("ducklake:sqlite:data/catalog.sqlite", "sqlite"),
        ("ducklake:data/catalog.ducklake", "duckdb"),
    ],
)
def test_the_location_string_selects_the_backend(location, kind):
    warehouse = Warehouse(location)
    assert warehouse.catalog_kind == kind
    assert warehouse.is_lake == (kind != "file")
    assert str(warehouse) == location


def test_an_unknown_catalog_or_an_empty_location_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown DuckLake catalog 'mysql'"):
        Warehouse("ducklake:mysql:db=news")
    with pytest.raises(ConfigError, match="empty"):
        Warehouse("  ")


def test_local_files_go_beside_the_warehouse_or_in_the_lake_data_folder():
    assert Warehouse("data/w.duckdb").local_dir == Path("data")
    assert Warehouse("ducklake:c.ducklake", "/srv/lake").local_dir == Path("/srv/lake")
    assert Warehouse("ducklake:lake/c.ducklake", "s3://bucket/x").local_dir == Path("lake")
    assert Warehouse("ducklake:sqlite:/srv/c.sqlite").local_dir == Path("/srv")
    assert Warehouse("ducklake:postgres:dbname=news", "s3://b/x").local_dir == Path("data")


def test_the_ducklake_dialect_drops_keys_and_indexes_and_keeps_everything_else():
    sql = "\n".join(m.sql for m in available_migrations())
    lake = for_ducklake(sql)
    assert "PRIMARY KEY" not in lake.upper() and "CREATE INDEX" not in lake.upper()
    # the same tables, views and columns: run both in DuckDB and compare the catalogs
    described = []
    for text in (sql, lake):
        con = duckdb.connect()
        con.execute(text)
        described.append(
            con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " ORDER BY ALL"
            ).fetchall()
        )
    assert described[0] == described[1]
    assert len(described[0]) > 100
