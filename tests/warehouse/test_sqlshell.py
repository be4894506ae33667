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
