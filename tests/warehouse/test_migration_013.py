"""Migration 013: stored languages in one spelling; a value that names no language stays."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.warehouse.conftest import migrated_to
from wirehouse.config.location import Warehouse
from wirehouse.warehouse.migrate import migrate

T0 = datetime(2026, 2, 1, 8, tzinfo=UTC)
# stored -> what 013 leaves
LANGUAGES = {
    "eng": "en",  # ISO 639-2, as pages wrote it before languages had one spelling
    "ger": "de",
    "iw": "he",  # retired
    "EN": "en",
    "mol": "ro",  # an alias of an alias
    "en": "en",
    "und": "und",  # names no language: kept, not lost
    "x-klingon": "x-klingon",
    None: None,
}


@pytest.mark.parametrize("kind", ["file", "lake"])
def test_stored_languages_get_one_spelling_and_nothing_else_changes(
    tmp_path: Path, kind: str
) -> None:
    where = (
        tmp_path / "old.duckdb"
        if kind == "file"
        else Warehouse(f"ducklake:{tmp_path / 'catalog.ducklake'}", str(tmp_path / "lake"))
    )
    con = migrated_to(where, 12)
    for i, language in enumerate(LANGUAGES):
        con.execute(
            "INSERT INTO articles (article_id, url, url_key, text, published_at_source,"
            " content_hash, body_source, version, first_seen_at, updated_at, last_fetched_at,"
            " status, language) VALUES (?, ?, ?, 'a text', 'feed', ?, 'page', 1, ?, ?, ?,"
            " 'ok', ?)",
            [
                f"a{i}",
                f"http://news.test/{i}",
                f"http://news.test/{i}",
                f"h{i}",
                T0,
                T0,
                T0,
                language,
            ],
        )
    con.execute(
        "INSERT INTO demoted_articles BY NAME SELECT *, 'a5' AS duplicate_of FROM articles"
        " WHERE article_id IN ('a0', 'a1')"
    )
    con.execute("DELETE FROM articles WHERE article_id IN ('a0', 'a1')")
    before = con.execute("SELECT * EXCLUDE (language) FROM articles ORDER BY 1").fetchall()

    assert migrate(con) == [13]

    after = con.execute("SELECT * EXCLUDE (language) FROM articles ORDER BY 1").fetchall()
    assert after == before
    got = dict(
        con.execute(
            "SELECT article_id, language FROM articles UNION ALL"
            " SELECT article_id, language FROM demoted_articles"
        ).fetchall()
    )
    assert got == {f"a{i}": want for i, want in enumerate(LANGUAGES.values())}
    # what a user's SQL asks now finds every English row
    english = con.execute(
        "SELECT count(*) FROM (SELECT language FROM articles UNION ALL"
        " SELECT language FROM demoted_articles) WHERE language = 'en'"
    ).fetchone()
    assert english == (3,)
