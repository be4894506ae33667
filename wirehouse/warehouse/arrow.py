"""Turning records into Arrow tables, the bulk path into DuckDB (never row-by-row inserts)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
TAGS = pa.list_(pa.string())


def table(schema: pa.Schema, rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Build an Arrow table from rows given in schema order."""
    columns: list[Sequence[Any]] = (
        list(zip(*rows, strict=True)) if rows else [[] for _ in schema.names]
    )
    return pa.table(
        [pa.array(col, type=field.type) for col, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def key_table(column: str, values: Iterable[str]) -> pa.Table:
    """Distinct strings as a one-column table to join against, in place of a bound list:
    DuckDB's client converts a bound list value by value and tries to import pandas for each
    one, about 48 µs a value where pandas is not installed."""
    return pa.table({column: pa.array(sorted(set(values)), pa.string())})


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """Arrow tables visible to the block's SQL under their keyword names, and gone after it
    (a name left registered would shadow a later batch's table of the same name)."""
    names: list[str] = []
    try:
        for name, data in tables.items():
            con.register(name, data)
            names.append(name)
        yield
    finally:
        for name in names:
            con.unregister(name)


def insert_new(
    con: duckdb.DuckDBPyConnection, target: str, data: pa.Table, *, key: Sequence[str]
) -> int:
    """Insert the rows whose key is not in `target` yet: loading twice equals loading once.

    An anti-join rather than `ON CONFLICT`, so that the same statement works on tables without
    primary keys (DuckLake); of rows repeated inside `data`, the first is kept.
    """
    data = _first_of_each(data, key)
    if data.num_rows == 0:
        return 0
    name = f"_incoming_{target}"
    with registered(con, **{name: data}):
        cols = ", ".join(data.schema.names)
        on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in key)
        result = con.execute(
            f"INSERT INTO {target} ({cols}) "
            f"SELECT {cols} FROM {name} i WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {on})"
        ).fetchone()
    return int(result[0]) if result else 0


def _first_of_each(data: pa.Table, key: Sequence[str]) -> pa.Table:
    """The first row of each key (its columns hold strings, numbers or times: hashable, and
    equal in Python as in SQL). Done here, not by a window in the insert's SQL: DuckDB carried
    every column (the articles' text too) through the window, 4x the insert's CPU."""
    first: dict[tuple[Any, ...], int] = {}
    for i, values in enumerate(zip(*(data.column(k).to_pylist() for k in key), strict=True)):
        first.setdefault(values, i)
    return data if len(first) == data.num_rows else data.take(list(first.values()))
