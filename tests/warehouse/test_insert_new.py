"""`insert_new`, the loads' one way into a table: rows whose key is stored already are left
out, and of rows repeated in one batch the first is kept, NULL keys included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pyarrow as pa

from wirehouse.warehouse.arrow import TS, insert_new, key_table, registered

SCHEMA = pa.schema([("k", pa.string()), ("n", pa.int64()), ("text", pa.string())])


def _rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT k, n, text FROM t ORDER BY k NULLS FIRST, n").fetchall()


def test_only_new_keys_are_inserted_and_the_first_of_a_repeated_key_wins() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k VARCHAR, n BIGINT, text VARCHAR)")
    con.execute("INSERT INTO t VALUES ('a', 1, 'stored'), (NULL, 1, 'stored null')")
    batch = pa.Table.from_pylist(
        [
            {"k": "a", "n": 1, "text": "again"},  # stored: left out
            {"k": "b", "n": 1, "text": "first b"},
            {"k": "b", "n": 1, "text": "second b"},  # repeated in the batch
            {"k": "b", "n": 2, "text": "b later"},  # another key: (b, 2)
            {"k": None, "n": 1, "text": "null again"},  # NULL matches the stored NULL
            {"k": None, "n": 2, "text": "first null 2"},
            {"k": None, "n": 2, "text": "second null 2"},
        ],
        schema=SCHEMA,
    )
    assert insert_new(con, "t", batch, key=("k", "n")) == 3
    assert _rows(con) == [
        (None, 1, "stored null"),
        (None, 2, "first null 2"),
        ("a", 1, "stored"),
        ("b", 1, "first b"),
        ("b", 2, "b later"),
    ]
    assert insert_new(con, "t", batch, key=("k", "n")) == 0  # loading twice equals once
    assert insert_new(con, "t", batch.slice(0, 0), key=("k", "n")) == 0


def test_a_time_key_matches_the_same_instant_whatever_the_zone_it_was_written_in() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE f (url VARCHAR, fetched_at TIMESTAMPTZ, n INTEGER)")
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    con.execute("INSERT INTO f VALUES ('u', ?, 0)", [at])
    east = timezone(timedelta(hours=5))
    schema = pa.schema([("url", pa.string()), ("fetched_at", TS), ("n", pa.int32())])
    batch = pa.Table.from_pylist(
        [
            {"url": "u", "fetched_at": at.astimezone(east), "n": 1},  # stored: same instant
            {"url": "u", "fetched_at": at + timedelta(microseconds=1), "n": 2},
            {"url": "u", "fetched_at": (at + timedelta(microseconds=1)).astimezone(east), "n": 3},
        ],
        schema=schema,
    )
    assert insert_new(con, "f", batch, key=("url", "fetched_at")) == 1
    assert con.execute("SELECT n FROM f ORDER BY fetched_at, n").fetchall() == [(0,), (2,)]


def test_key_table_holds_each_key_once_as_strings_for_sql_to_filter_by() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('a', 1), ('b', 2), ('c', 3)) v(k, n)")
    wanted = key_table("k", iter(["c", "a", "c", "zz"]))
    assert wanted.schema == pa.schema([("k", pa.string())])
    assert wanted.column("k").to_pylist() == ["a", "c", "zz"]
    with registered(con, _wanted=wanted):
        rows = con.execute("SELECT k, n FROM t WHERE k IN (SELECT k FROM _wanted) ORDER BY k")
        assert rows.fetchall() == [("a", 1), ("c", 3)]
    empty = key_table("k", [])
    assert empty.num_rows == 0 and empty.schema == wanted.schema
