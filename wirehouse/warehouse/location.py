"""Where the warehouse lives: a DuckDB file (the default) or a DuckLake.

The location string picks the backend, in DuckDB's own ATTACH syntax, so what a user writes in
`--db`, `db = ...` in the config or `WIREHOUSE_DB` is what DuckDB documents:

- `data/wirehouse.duckdb`: one DuckDB file; one writer at a time.
- `ducklake:postgres:dbname=news host=127.0.0.1`: a DuckLake whose catalog is in PostgreSQL
  and whose data are Parquet files under `data_path` (a folder or object storage); several
  processes on several machines may write at once.
- `ducklake:sqlite:catalog.sqlite` or `ducklake:catalog.ducklake`: a DuckLake on one machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wirehouse.errors import ConfigError

_LAKE_PREFIX = "ducklake:"
# `ducklake:postgres:...`: the catalog database's type, as in DuckDB's ATTACH; none is a file
_CATALOG_SCHEME = re.compile(r"^([a-z_]{2,}):")
# the catalog databases DuckLake can use, and the extension each one needs besides ducklake
CATALOG_EXTENSIONS = {"postgres": "postgres_scanner", "sqlite": "sqlite_scanner", "duckdb": None}


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A warehouse location and, for a DuckLake, the folder or bucket its data files go to."""

    location: str
    data_path: str | None = None

    def __post_init__(self) -> None:
        if not self.location.strip():
            raise ConfigError("the warehouse location (--db) is empty")
        if self.is_lake and self.catalog_kind not in CATALOG_EXTENSIONS:
            raise ConfigError(f"unknown DuckLake catalog {self.catalog_kind!r} in {self.location}")

    @property
    def is_lake(self) -> bool:
        return self.location.startswith(_LAKE_PREFIX)

    @property
    def catalog_kind(self) -> str:
        """`postgres`, `sqlite` or `duckdb` (a bare path) for a lake; `file` for a DuckDB file."""
        if not self.is_lake:
            return "file"
        scheme = _CATALOG_SCHEME.match(self.location.removeprefix(_LAKE_PREFIX))
        return scheme[1] if scheme else "duckdb"

    @property
    def file(self) -> Path:
        """The DuckDB file; only for a file warehouse."""
        if self.is_lake:
            raise ValueError(f"{self.location} is a DuckLake, not a file")
        return Path(self.location)

    @property
    def local_data_path(self) -> Path | None:
        """The data path when it is a local folder (not an object-storage URL)."""
        if self.data_path and "://" not in self.data_path:
            return Path(self.data_path)
        return None

    @property
    def local_dir(self) -> Path:
        """A local folder for what the warehouse writes beside itself (the HTML digest)."""
        if not self.is_lake:
            return self.file.parent
        if self.local_data_path:
            return self.local_data_path
        if self.catalog_kind in ("duckdb", "sqlite"):  # beside the local catalog file
            rest = self.location.removeprefix(_LAKE_PREFIX)
            return Path(rest.removeprefix(f"{self.catalog_kind}:")).parent
        return Path("data")

    def __str__(self) -> str:
        return self.location


def as_warehouse(where: Warehouse | str | Path) -> Warehouse:
    """Accept a `Warehouse`, or a bare location string or path (a lake's data path then comes
    from its catalog, where DuckLake recorded it when the lake was created)."""
    return where if isinstance(where, Warehouse) else Warehouse(str(where))
