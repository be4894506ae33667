"""Warehouse locations (file or DuckLake) and the DuckLake dialect of the migrations."""

from pathlib import Path

import duckdb
import pytest

from wirehouse.config.location import Warehouse, has_secret, redact
from wirehouse.errors import ConfigError
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
    migrations = available_migrations()
    sql = "\n".join(m.sql for m in migrations)
    lake = for_ducklake(sql)
    assert "PRIMARY KEY" not in lake.upper() and "CREATE INDEX" not in lake.upper()
    # the same tables, views and columns: run both in DuckDB and compare the catalogs (a
    # Python migration runs as itself in both: it applies the dialect on a lake on its own)
    described = []
    for dialect in (lambda text: text, for_ducklake):
        con = duckdb.connect()
        for m in migrations:
            if m.upgrade is not None:
                m.upgrade(con)
            else:
                con.execute(dialect(m.sql))
        described.append(
            con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " ORDER BY ALL"
            ).fetchall()
        )
    assert described[0] == described[1]
    assert len(described[0]) > 100


SECRET = "Hunter2-s3cret"


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        (
            f"ducklake:postgres:dbname=news host=db password={SECRET}",
            "ducklake:postgres:dbname=news host=db password=***",
        ),
        (
            f"ducklake:postgres:password={SECRET} dbname=news",
            "ducklake:postgres:password=*** dbname=news",
        ),
        (
            f"ducklake:postgres:dbname=news password = '{SECRET} with \\' quote' host=db",
            "ducklake:postgres:dbname=news password = *** host=db",
        ),
        (
            f"ducklake:postgres:postgresql://wirehouse:{SECRET}@db:5432/news",
            "ducklake:postgres:postgresql://wirehouse:***@db:5432/news",
        ),
        (
            f"ducklake:postgres:postgres://u:{SECRET}@db/news?sslmode=require&sslpassword={SECRET}",
            "ducklake:postgres:postgres://u:***@db/news?sslmode=require&sslpassword=***",
        ),
        (f"PGPASSWORD={SECRET} host=db", "PGPASSWORD=*** host=db"),
        (
            f"ducklake:x.ducklake secret={SECRET} key={SECRET}",
            "ducklake:x.ducklake secret=*** key=***",
        ),
        (f"s3 KEY_ID=AKIA SECRET={SECRET};token={SECRET}", "s3 KEY_ID=AKIA SECRET=***;token=***"),
    ],
)
def test_passwords_and_keys_are_redacted_wherever_a_location_is_shown(location, shown):
    warehouse = Warehouse(location)
    assert redact(location) == shown
    assert str(warehouse) == shown and f"{warehouse}" == shown
    assert SECRET not in repr(warehouse) and SECRET not in str(warehouse)
    assert warehouse.location == location  # what DuckDB is given stays whole
    assert warehouse.has_secret and has_secret(location)


@pytest.mark.parametrize(
    "location",
    [
        "data/wirehouse.duckdb",
        "ducklake:postgres:dbname=news host=127.0.0.1 user=wirehouse",
        "ducklake:postgres:postgresql://wirehouse@db/news",
        "ducklake:data/monkey=1/news.ducklake",
        "ducklake:sqlite:data/keys.sqlite",
    ],
)
def test_a_location_without_a_secret_is_shown_as_it_is(location):
    assert str(Warehouse(location)) == location and not Warehouse(location).has_secret


def test_the_deployment_keeps_a_password_out_of_its_parameters(tmp_path):
    from wirehouse.config.parameters import IngestParameters
    from wirehouse.flows.deploy import ingest_deployment, secret_location_env

    location = f"ducklake:postgres:dbname=news host=db password={SECRET}"
    deployment = ingest_deployment(IngestParameters(db=location), interval_s=60)
    assert deployment.parameters["db"] is None
    assert SECRET not in repr(deployment.parameters)
    assert secret_location_env(location) == {"WIREHOUSE_DB": location}
    plain = ingest_deployment(IngestParameters(db=str(tmp_path / "w.duckdb")), interval_s=60)
    assert plain.parameters["db"] == str(tmp_path / "w.duckdb")
    assert secret_location_env(str(tmp_path / "w.duckdb")) == {}
