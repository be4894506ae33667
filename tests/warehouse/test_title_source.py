"""`articles.title_source` and `sitename_source`: migration 007 keeps every row, loads fill them."""

from __future__ import annotations

import dataclasses

import duckdb

from tests.factories import NOW, article
from wirehouse.config.settings import DedupSettings
from wirehouse.dedup.exact import decide_exact
from wirehouse.warehouse.articles import load_batch
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.migrate import _apply_pending, available_migrations, migrate

LEAD = DedupSettings().claimed_lead


def test_migration_007_keeps_rows_stored_before_it(tmp_path, monkeypatch):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    older = [m for m in available_migrations() if m.version < 7]
    monkeypatch.setattr("wirehouse.warehouse.migrate.available_migrations", lambda: older)
    _apply_pending(con)
    rows = [
        ("a1", "https://x.example/1", "Outlet", "Headline one", "page"),
        ("a2", "https://x.example/2", "Feed headline", "X", "feed"),
    ]
    for aid, url, title, sitename, body_source in rows:
        con.execute(
            "INSERT INTO articles (article_id, url, url_key, title, text, sitename,"
            " published_at_source, content_hash, body_source, first_seen_at, updated_at,"
            " last_fetched_at)"
            " VALUES (?, ?, ?, ?, 'some text', ?, 'feed', ?, ?, now(), now(), now())",
            [aid, url, url, title, sitename, "h" + aid, body_source],
        )
    before = con.execute("SELECT * FROM articles ORDER BY article_id").fetchall()
    upto_7 = [m for m in available_migrations() if m.version <= 7]
    monkeypatch.setattr("wirehouse.warehouse.migrate.available_migrations", lambda: upto_7)

    assert migrate(con) == [7]
    after = con.execute(
        "SELECT * EXCLUDE (title_source, sitename_source) FROM articles ORDER BY article_id"
    ).fetchall()
    assert [row[: len(before[0])] for row in after] == before
    assert con.execute(
        "SELECT article_id, title_source, sitename_source FROM articles ORDER BY 1"
    ).fetchall() == [("a1", None, None), ("a2", "feed", None)]


def test_a_loaded_article_keeps_where_its_title_and_outlet_came_from(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    stored = dataclasses.replace(
        article("https://x.example/story", "the text of the story"),
        title="Grain elevator fire",
        title_source="og:title:feed-differs",
        sitename="The Valley Times",
        sitename_source="title-tag",
    )
    decisions = decide_exact([stored], by_url={}, by_claim={}, by_hash={}, refetched={}, lead=LEAD)
    with transaction(con):
        load_batch(con, "r1", decisions, now=NOW)
    assert con.execute(
        "SELECT title, title_source, sitename, sitename_source FROM articles"
    ).fetchall() == [
        ("Grain elevator fire", "og:title:feed-differs", "The Valley Times", "title-tag")
    ]


def test_the_columns_exist_on_a_ducklake_too(tmp_path):
    from wirehouse.config.location import Warehouse
    from wirehouse.warehouse.connection import session

    lake = Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "data"))
    with session(lake) as con:
        migrate(con)
        stored = dataclasses.replace(
            article("https://x.example/lake", "text on a lake"),
            title_source="json-ld",
            sitename_source="og:site_name",
        )
        decisions = decide_exact(
            [stored], by_url={}, by_claim={}, by_hash={}, refetched={}, lead=LEAD
        )
        with transaction(con):
            load_batch(con, "r1", decisions, now=NOW)
        assert con.execute("SELECT title_source, sitename_source FROM articles").fetchall() == [
            ("json-ld", "og:site_name")
        ]
