"""Versioned schema migrations: numbered files applied once each, recorded in a table.

Most are SQL; one that must do what SQL cannot (write the raw pages to the WARC archive) is a
Python module with an `upgrade(con)` function, run in the same transaction. The SQL is written
for DuckDB. A DuckLake has no primary keys and no indexes, so on a lake
each file first goes through `for_ducklake`, which drops those clauses; every insert is an
anti-join on its key anyway (`warehouse/arrow.py`), so the keys hold without them.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import duckdb

from wirehouse.warehouse.connection import (
    is_lake,
    lost_race,
    retry_races,
    transaction,
)

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.(sql|py)$")
_COMMENT = re.compile(r"--[^\n]*")
_INDEX = re.compile(r"CREATE\s+(UNIQUE\s+)?INDEX\b[^;]*;", re.IGNORECASE)
_TABLE_KEY = re.compile(r",\s*PRIMARY\s+KEY\s*\([^)]*\)", re.IGNORECASE)
# (?<!\s): start at the first space of a run, not at each one (quadratic on long runs)
_COLUMN_KEY = re.compile(r"(?<!\s)\s+PRIMARY\s+KEY\b", re.IGNORECASE)
# several processes may open a new lake at once: the losers of the race retry this often
_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str = ""
    upgrade: Callable[[duckdb.DuckDBPyConnection], None] | None = None


def available_migrations() -> list[Migration]:
    """The migrations shipped with the package, in order."""
    package = "wirehouse.warehouse.migrations"
    found = []
    for item in resources.files(package).iterdir():
        match = _NAME.match(item.name)
        if not match:
            continue
        version, name = int(match[1]), match[2]
        if match[3] == "sql":
            found.append(Migration(version, name, item.read_text(encoding="utf-8")))
        else:
            module = importlib.import_module(f"{package}.{item.name.removesuffix('.py')}")
            found.append(Migration(version, name, upgrade=module.upgrade))
    return sorted(found, key=lambda m: m.version)


def for_ducklake(sql: str) -> str:
    """The same schema without what DuckLake lacks: primary keys and indexes."""
    sql = _COMMENT.sub("", sql)
    sql = _INDEX.sub("", sql)
    sql = _TABLE_KEY.sub("", sql)
    return _COLUMN_KEY.sub("", sql)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    ddl = (
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    con.execute(for_ducklake(ddl) if is_lake(con) else ddl)
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every pending migration, each in its own transaction; return the versions applied.

    When another process migrates the same lake at the same moment, the loser's commit
    conflicts (or its CREATE meets the winner's table); it starts over and finds those
    versions applied.
    """

    def raced(exc: duckdb.Error) -> bool:
        return is_lake(con) and (lost_race(exc) or "already exists" in str(exc))

    return retry_races(
        lambda: _apply_pending(con), attempts=_ATTEMPTS, wait_s=0.05, raced=raced, rollback=con
    )


def _apply_pending(con: duckdb.DuckDBPyConnection) -> list[int]:
    lake = is_lake(con)
    done = applied_versions(con)
    applied = []
    for migration in available_migrations():
        if migration.version in done:
            continue
        with transaction(con):
            # another process may have applied it since `done` was read (a lake's writers
            # migrate at once): this transaction's snapshot says, and the step must not run twice
            if con.execute(
                "SELECT count(*) FROM schema_migrations WHERE version = ?", [migration.version]
            ).fetchone() != (0,):
                continue
            log.info("applying migration %03d_%s", migration.version, migration.name)
            if migration.upgrade is not None:
                migration.upgrade(con)
            else:
                con.execute(for_ducklake(migration.sql) if lake else migration.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())",
                [migration.version, migration.name],
            )
        applied.append(migration.version)
    return applied
