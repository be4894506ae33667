"""Exporting articles by publication day (wirehouse.warehouse.export) and reading them back."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.warehouse.test_views import T, art, ingest
from wirehouse.cli import app
from wirehouse.warehouse.export import ExportFormat, export_articles
from wirehouse.warehouse.migrate import migrate

DAY = T.date()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
        ingest(
            con,
            [
                art("https://a.test/today", "text one", at=T, title="Today"),
                art("https://b.test/today", "text two", at=T - timedelta(hours=1), sitename="B"),
                art("https://a.test/yesterday", "text three", at=T - timedelta(days=1)),
                art("https://a.test/old", "text four", at=T - timedelta(days=9)),
            ],
            now=T,
        )
    return path


def test_parquet_export_is_hive_partitioned_by_day_and_reads_back(db, tmp_path):
    out = tmp_path / "out"
    with duckdb.connect(str(db), read_only=True) as con:
        done = export_articles(con, out, since=T - timedelta(days=2), fmt=ExportFormat.parquet)
    assert done.rows == 3
    assert sorted(p.parent.name for p in done.files) == [
        f"published_date={DAY - timedelta(days=1)}",
        f"published_date={DAY}",
    ]
    rows = duckdb.sql(
        f"SELECT published_date, url, outlet, text FROM read_parquet('{out}/*/*.parquet',"
        " hive_partitioning = true) ORDER BY url"
    ).fetchall()
    assert rows == [
        (DAY, "https://a.test/today", "a.test", "text one"),
        (DAY - timedelta(days=1), "https://a.test/yesterday", "a.test", "text three"),
        (DAY, "https://b.test/today", "B", "text two"),
    ]


def test_jsonl_export_writes_one_file_a_day_of_json_lines(db, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["export", str(out), "--db", str(db), "--format", "jsonl", "--since", "2026-03-17"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"{DAY - timedelta(days=1)}.jsonl",
        f"{DAY}.jsonl",
    ]
    today = [json.loads(line) for line in (out / f"{DAY}.jsonl").read_text().splitlines()]
    assert [(r["url"], r["title"], r["published_date"]) for r in today] == [
        ("https://b.test/today", "A headline", str(DAY)),
        ("https://a.test/today", "Today", str(DAY)),
    ]
    assert duckdb.sql(f"SELECT count(*) FROM read_json('{out}/*.jsonl')").fetchone() == (3,)


def test_an_unknown_format_is_a_one_line_error(db, tmp_path):
    result = CliRunner().invoke(app, ["export", str(tmp_path), "--db", str(db), "--format", "xml"])
    assert result.exit_code == 2 and "unknown export format" in result.stderr
