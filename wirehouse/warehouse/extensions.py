"""DuckDB extensions loaded from the pinned PyPI wheels, never downloaded.

DuckDB would fetch extensions from its repository on first use, which fails behind a firewall
and here. The `duckdb-extension-<name>` wheels ship the binary for one DuckDB version; we load
that file by path (see docs/development.md, "Dependencies, and why", for why DuckDB is 1.5.5).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from wirehouse.errors import WarehouseError
from wirehouse.warehouse.sqltext import first_line, quote_literal


def extension_path(name: str) -> Path:
    """The binary of extension `name` (e.g. `fts`, `ducklake`, `postgres_scanner`)."""
    package = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError(f"the {name} extension needs the {package.replace('_', '-')} package")
    version = duckdb.__version__
    for root in spec.submodule_search_locations:
        path = Path(root) / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
        if path.is_file():
            return path
    raise WarehouseError(f"{package} has no {name} extension for DuckDB {version}")


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load extension `name` into this connection from its wheel."""
    path = extension_path(name)
    try:
        con.execute(f"LOAD '{quote_literal(str(path))}'")
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot load the {name} extension {path}: {first_line(exc)}") from exc
