"""Full-text search (wirehouse.warehouse.search) on a real warehouse file, rows loaded for real."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.warehouse.test_views import T, art, ingest
from wirehouse.cli import app
from wirehouse.errors import WarehouseError
from wirehouse.warehouse import search as fts
from wirehouse.warehouse.migrate import migrate

STORM = (
    "Forecasters said the storm reached its maximum pressure gradient overnight. "
    "Coastal towns were evacuated as the storm surge rose."
)
PRESSURE = "Engineers measured the maximum pressure the old dam could hold before repairs began."
BUDGET = "The city council passed its budget after a long debate about school funding."


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
        ingest(
            con,
            [
                art("https://storm.test/1", STORM, at=T, title="Storm surge hits the coast"),
                art(
                    "https://dam.test/2",
                    PRESSURE,
                    at=T - timedelta(days=3),
                    title="Dam under maximum pressure",
                    sitename="Dam Daily",
                ),
                art("https://city.test/3", BUDGET, at=T, title="Budget passed"),
            ],
            now=T,
        )
    return path


def test_search_ranks_by_bm25_filters_and_snips_around_the_first_match(db):
    with duckdb.connect(str(db)) as con:
        assert fts.index_state(con) is fts.IndexState.MISSING
        fts.refresh_index(con)
        assert fts.index_state(con) is fts.IndexState.FRESH
        hits = fts.search(con, "maximum pressure")
        # the dam article has both words in its title and in a shorter text
        assert [h.url for h in hits] == ["https://dam.test/2", "https://storm.test/1"]
        assert hits[0].score > hits[1].score > 0
        assert hits[0].outlet == "Dam Daily"
        assert hits[1].snippet == STORM  # short texts are shown whole
        assert [h.url for h in fts.search(con, "pressures", since=T - timedelta(days=1))] == [
            "https://storm.test/1"
        ]
        for given in ("DAM.test", "www.dam.test", " https://WWW.dam.test/news ", "dam.test/"):
            assert [h.url for h in fts.search(con, "pressure", outlet=given)] == [
                "https://dam.test/2"
            ], given
        assert [h.url for h in fts.search(con, "pressure", limit=1)] == ["https://dam.test/2"]
        assert fts.search(con, "volcano") == []
        rows = con.execute(
            "SELECT outlet, url FROM search_articles('surge') WHERE published_at >= ?", [T]
        ).fetchall()
        assert rows == [("storm.test", "https://storm.test/1")]


def test_a_snippet_is_cut_at_words_around_the_first_matching_word():
    text = "Lorem ipsum dolor. " * 20 + "The dam held maximum\n\npressures. " + "Sit amet. " * 30
    snip = fts.snippet(text, "pressure maximum", width=120)
    assert snip.startswith("…") and snip.endswith("…") and len(snip) <= 122
    assert "The dam held maximum pressures." in snip
    assert snip.index("maximum") > 20  # context before the match too
    assert fts.snippet("No match at all here.", "volcano") == "No match at all here."


def test_the_index_goes_stale_when_articles_change_and_refresh_catches_up(db):
    with duckdb.connect(str(db)) as con:
        fts.refresh_index(con)
        ingest(con, [art("https://volcano.test/4", "The volcano erupted.", at=T)], now=T)
        assert fts.index_state(con) is fts.IndexState.STALE
        assert fts.search(con, "volcano") == []  # stale: the caller must refresh
        fts.refresh_index(con)
        assert [h.url for h in fts.search(con, "volcano")] == ["https://volcano.test/4"]
        con.execute("UPDATE articles SET title = 'Lava' WHERE url = 'https://volcano.test/4'")
        assert fts.index_state(con) is fts.IndexState.STALE


def test_search_without_an_index_is_an_error_not_an_empty_answer(db):
    with duckdb.connect(str(db)) as con, pytest.raises(WarehouseError, match="no full-text"):
        fts.search(con, "storm")


def test_a_missing_extension_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(duckdb, "__version__", "0.0.1")
    with pytest.raises(WarehouseError, match=r"no fts extension for DuckDB 0\.0\.1"):
        fts.load_fts(duckdb.connect())


def test_cli_search_refreshes_a_stale_index_and_prints_json_lines(db):
    runner = CliRunner()
    result = runner.invoke(app, ["search", "maximum pressure", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["url"] for r in lines] == ["https://dam.test/2", "https://storm.test/1"]
    assert set(lines[0]) == {"title", "url", "published_at", "score", "snippet"}
    assert lines[0]["published_at"] == (T - timedelta(days=3)).isoformat()
    result = runner.invoke(
        app, ["search", "pressure", "--db", str(db), "--outlet", "storm.test", "--limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "Storm surge hits the coast" in result.stdout and "Dam under" not in result.stdout


def test_a_run_rebuilds_the_index_when_missing_grown_by_five_percent_or_an_hour_old(db):
    with duckdb.connect(str(db)) as con:
        built = con.execute("SELECT now()").fetchone()[0]
        assert fts.refresh_due(con, now=built)  # no index yet
        fts.refresh_index(con)
        built = con.execute("SELECT built_at FROM fts_state").fetchone()[0]
        assert not fts.refresh_due(con, now=built)
        assert fts.refresh_due(con, now=built + fts.REFRESH_AGE)
        # one article more on three indexed is more than 5%
        ingest(con, [art("https://city.test/4", BUDGET + " Again.", at=T)], now=T)
        assert fts.refresh_due(con, now=built)
        fts.refresh_index(con)
        built = con.execute("SELECT built_at FROM fts_state").fetchone()[0]
        assert not fts.refresh_due(con, now=built)
