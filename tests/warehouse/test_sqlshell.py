"""`wirehouse sql` to Parquet and its interactive prompt (wirehouse.warehouse.sqlshell)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.warehouse.test_views import T, art, ingest
from wirehouse.cli import app
from wirehouse.warehouse import sqlshell
from wirehouse.warehouse.migrate import migrate


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
        ingest(
            con, [art("https://a.test/1", "one", at=T), art("https://b.test/2", "two", at=T)], now=T
        )
    return path


def test_sql_writes_parquet_that_reads_back(db, tmp_path):
    target = tmp_path / "out.parquet"
    result = CliRunner().invoke(
        app,
        [
            "sql",
            "SELECT url, outlet FROM latest_articles ORDER BY url;",
            "--db",
            str(db),
            "--format",
            "parquet",
            "--output",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 2 rows" in result.stdout
    assert duckdb.sql(f"SELECT * FROM '{target}' ORDER BY url").fetchall() == [
        ("https://a.test/1", "a.test"),
        ("https://b.test/2", "b.test"),
    ]


def test_parquet_without_output_is_a_one_line_error(db):
    result = CliRunner().invoke(app, ["sql", "SELECT 1", "--db", str(db), "--format", "parquet"])
    assert result.exit_code == 2 and "--output" in result.stderr


def test_the_prompt_runs_statements_keeps_going_after_errors_and_saves_history(db, tmp_path):
    lines = iter(
        ["SELECT count(*) AS n", "FROM articles;", "SELECT nope;", "", "SELECT 2;", ".quit"]
    )
    shown, warned = [], []
    history = tmp_path / "history"

    def read(prompt: str) -> str:
        return next(lines)

    with duckdb.connect(str(db), read_only=True) as con:
        sqlshell.repl(
            con, lambda c, r: shown.append((c, r)), warned.append, history=history, read=read
        )
    assert shown == [(["n"], [(2,)]), (["2"], [(2,)])]
    assert len(warned) == 1 and "nope" in warned[0]
    saved = history.read_text().splitlines()
    assert saved[-3:] == ["SELECT count(*) AS n FROM articles;", "SELECT nope;", "SELECT 2;"]


# statements a read-only `wirehouse sql` refuses, and what the refusal names
REFUSED = {
    "copy-to": ("COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY statements are refused"),
    "copy-db": ("COPY FROM DATABASE w TO memory", "statements are refused"),
    "export": ("EXPORT DATABASE '{tmp}/dump'", "EXPORT statements are refused"),
    "attach": ("ATTACH '{tmp}/other.duckdb' AS other", "ATTACH statements are refused"),
    "install": ("INSTALL httpfs", "LOAD statements are refused"),
    "load": ("LOAD '{sqlite}'", "LOAD statements are refused"),
    "set-access": ("SET enable_external_access = true", "SET statements are refused"),
    "reset-access": ("RESET enable_external_access", "SET statements are refused"),
    "unlock": ("SET lock_configuration = false", "SET statements are refused"),
    "explain-analyze": ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{tmp}/e.csv'", "EXPLAIN"),
    "call": ("CALL pragma_version()", "CALL statements are refused"),
    "checkpoint": ("CHECKPOINT", "CALL statements are refused"),
    "pragma-set": ("PRAGMA profiling_output = '{tmp}/prof.json'", "SET statements are refused"),
    "second-statement": ("SELECT 1; COPY (SELECT 2) TO '{tmp}/two.csv'", "COPY statements"),
    "temp-table": ("CREATE TEMP TABLE scratch AS SELECT 1 AS x", "CREATE statements are refused"),
    "read-csv": ("SELECT * FROM read_csv('/etc/passwd')", "file system operations are disabled"),
    "read-text": (
        "SELECT * FROM read_text('/etc/hostname')",
        "file system operations are disabled",
    ),
    "glob": ("SELECT * FROM glob('/etc/*')", "file system operations are disabled"),
    "insert": ("INSERT INTO feeds (feed_url) VALUES ('x')", "INSERT statements are refused"),
    "delete": ("DELETE FROM articles", "DELETE statements are refused"),
    "drop": ("DROP VIEW latest_articles", "DROP statements are refused"),
    "create": ("CREATE TABLE t AS SELECT 1", "CREATE statements are refused"),
    "secret": ("CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", "CREATE"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_sql_refuses_files_attach_extensions_settings_and_writes(db, tmp_path, name):
    from wirehouse.warehouse.extensions import extension_path

    statement, reason = REFUSED[name]
    query = statement.format(tmp=tmp_path, sqlite=extension_path("sqlite_scanner"))
    before = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(app, ["sql", query, "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert reason in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written beside it
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def test_a_refusal_says_why_and_which_flag_lifts_it(db, tmp_path):
    result = CliRunner().invoke(
        app, ["sql", f"COPY (SELECT 1) TO '{tmp_path}/x.csv'", "--db", str(db)]
    )
    assert "read-only" in result.stderr and "--allow-external-access" in result.stderr


@pytest.mark.parametrize(
    "query",
    [
        "SELECT url, outlet FROM latest_articles ORDER BY url",
        "SELECT count(*) FROM articles",
        "SELECT * FROM duckdb_settings() WHERE name = 'enable_external_access'",
        "WITH n AS (SELECT count(*) AS c FROM articles) SELECT c FROM n",
        "FROM articles LIMIT 1",
        "DESCRIBE articles",
        "SHOW TABLES",
        "SUMMARIZE SELECT 1 AS x",
        "PRAGMA database_size",
        "VALUES (1), (2)",
    ],
)
def test_reading_queries_still_work_when_locked_down(db, query):
    from wirehouse.warehouse import search as fts

    fts.ensure_fresh(db)
    result = CliRunner().invoke(app, ["sql", query, "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output


def test_search_articles_finds_through_the_locked_connection(tmp_path):
    from wirehouse.warehouse import search as fts

    path = tmp_path / "s.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
        texts = {
            "https://s.test/1": "storm surge floods harbour",
            "https://s.test/2": "budget vote",
        }
        ingest(con, [art(url, text, at=T) for url, text in texts.items()], now=T)
    fts.ensure_fresh(path)
    result = CliRunner().invoke(
        app,
        ["sql", "SELECT url FROM search_articles('harbour')", "--db", str(path), "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "url\nhttps://s.test/1\n"


def test_parquet_output_still_works_when_locked_down_and_the_query_cannot_redirect_it(db, tmp_path):
    target = tmp_path / "out.parquet"
    sneaky = "SELECT 1 AS x) TO '" + str(tmp_path / "elsewhere.csv") + "' (FORMAT csv); --"
    result = CliRunner().invoke(
        app, ["sql", sneaky, "--db", str(db), "--format", "parquet", "--output", str(target)]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "elsewhere.csv").exists()


def test_the_flag_lets_a_query_use_files_but_never_write_the_warehouse(db, tmp_path):
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app,
        ["sql", f"COPY (SELECT 1 AS x) TO '{target}'", "--db", str(db), "--allow-external-access"],
    )
    assert result.exit_code == 0, result.output
    assert target.read_text() == "x\n1\n"
    result = CliRunner().invoke(
        app, ["sql", "DELETE FROM articles", "--db", str(db), "--allow-external-access"]
    )
    assert result.exit_code == 2 and "read-only" in result.stderr


def test_the_prompt_is_locked_down_too(db, tmp_path):
    lines = iter([f"COPY (SELECT 1) TO '{tmp_path}/p.csv';", "SELECT 3;", ".quit"])
    shown, warned = [], []
    with duckdb.connect(str(db), read_only=True) as con:
        sqlshell.lock_down(con)
        sqlshell.repl(
            con,
            lambda c, r: shown.append(r),
            warned.append,
            history=tmp_path / "h",
            read=lambda prompt: next(lines),
        )
    assert shown == [[(3,)]] and "COPY statements are refused" in warned[0]
    assert not (tmp_path / "p.csv").exists()


def test_a_local_ducklake_reads_through_the_locked_connection(tmp_path):
    from wirehouse.config.location import Warehouse
    from wirehouse.warehouse.connection import session

    lake = Warehouse(f"ducklake:{tmp_path / 'catalog.ducklake'}", str(tmp_path / "lake"))
    with session(lake) as con:
        migrate(con)
        ingest(con, [art("https://a.test/1", "one", at=T)], now=T)
    where = ["--db", lake.location, "--data-path", str(lake.data_path)]
    result = CliRunner().invoke(
        app, ["sql", "SELECT url FROM latest_articles", *where, "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "url\nhttps://a.test/1\n"
    result = CliRunner().invoke(app, ["sql", "DELETE FROM articles", *where])
    assert result.exit_code == 2 and "read-only" in result.stderr
    result = CliRunner().invoke(app, ["sql", "SELECT * FROM read_csv('/etc/passwd')", *where])
    assert result.exit_code == 2 and "file system operations are disabled" in result.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "COPY (SELECT 'pwned' AS x) TO '{data}/x.parquet'",
        "COPY (SELECT 'pwned' AS x) TO '{data}/x.csv' (FORMAT csv)",
        "EXPORT DATABASE '{data}/dump'",
        "EXPLAIN ANALYZE COPY (SELECT 'pwned' AS x) TO '{data}/x.parquet'",
        "SELECT 1; COPY (SELECT 'pwned' AS x) TO '{data}/y.parquet'",
        "ATTACH '{data}/other.duckdb' AS other",
    ],
)
def test_a_lake_refuses_writes_into_its_own_data_folder(tmp_path, statement):
    """The lock-down must leave a lake's data folder readable, which DuckDB also makes writable."""
    from wirehouse.config.location import Warehouse
    from wirehouse.warehouse.connection import session

    data = tmp_path / "lake"
    lake = Warehouse(f"ducklake:{tmp_path / 'catalog.ducklake'}", str(data))
    with session(lake) as con:
        migrate(con)
        ingest(con, [art("https://a.test/1", "one", at=T)], now=T)
    before = sorted(str(p) for p in data.rglob("*"))
    where = ["--db", lake.location, "--data-path", str(data)]
    result = CliRunner().invoke(app, ["sql", statement.format(data=data), *where])
    assert result.exit_code == 2, result.output
    assert "statements are refused" in result.stderr and result.stderr.count("\n") == 1
    assert sorted(str(p) for p in data.rglob("*")) == before
    result = CliRunner().invoke(app, ["sql", "SELECT url FROM latest_articles", *where])
    assert result.exit_code == 0 and "https://a.test/1" in result.stdout
