"""Fixtures shared by the warehouse tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from wirehouse.config.location import Warehouse
from wirehouse.warehouse import migrate as migrate_module
from wirehouse.warehouse.connection import connect
from wirehouse.warehouse.migrate import available_migrations, migrate


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated warehouse in a real DuckDB file, closed after the test."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    yield con
    con.close()


def migrated_to(where: Path | Warehouse, version: int) -> duckdb.DuckDBPyConnection:
    """A warehouse (a file at a path, or a lake) with the migrations up to `version` only, as
    an older wirehouse left it, for a migration test to fill and upgrade."""
    everything = available_migrations()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            migrate_module,
            "available_migrations",
            lambda: [m for m in everything if m.version <= version],
        )
        con = connect(where) if isinstance(where, Warehouse) else duckdb.connect(str(where))
        assert migrate(con)[-1] == version
    return con
