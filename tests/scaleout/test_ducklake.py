"""The DuckLake backend: the same pipeline, schema and CLI as a DuckDB file, and several
concurrent writers that together store exactly what one writer stores."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from pprint import pformat
from typing import Any

from devkit.newsroom import Newsroom
from tests.scaleout.conftest import (
    WIREHOUSE,
    feed_list,
    finish,
    ingest_into,
    overlapping_feed_lists,
)
from wirehouse.config.location import Warehouse
from wirehouse.warehouse.connection import session

# What a reader sees, without what differs between any two runs: times, run ids, fetch logs,
# the publication time of an undated article (when it was first seen), which of an article's
# URLs and feeds it was first seen at and fetched from (all are in article_urls), and the history a
# demotion leaves (a reprint stored before its original keeps its pages and versions under its
# old id; which loader met it first is timing). Story grouping depends on load order (a
# story's score weighs terms by the articles stored when an article is placed), so a borderline
# pair may be joined by one loader and split by two: the tests compare that every article is
# placed, and the single-process test compares the groups exactly.
CONTENT = {
    "articles": "article_id, url_key, canonical_key, title, text, content_hash,"
    " if(published_at_source = 'first_seen', NULL, published_at), body_source, version",
    "article_urls": "url, feed_url, url_key, guid, article_id",
    "article_versions": "v.article_id, v.version, v.title, v.content_hash, v.body_source"
    " FROM article_versions v JOIN articles USING (article_id)",
    "pages": "count(*) FROM pages",  # one per page fetched; its URL is whichever one was
    "near_signatures": "article_id, content_hash, shingles",
    "placed": "count(*) FROM articles WHERE story_id IS NOT NULL",
}
STORIES = (
    "SELECT list(article_id ORDER BY article_id) FROM articles WHERE story_id IS NOT NULL"
    " GROUP BY story_id ORDER BY ALL"
)
KEYS = {
    "articles": "article_id",
    "article_urls": "url, feed_url",
    "article_versions": "article_id, version",
    "pages": "url, article_id",
}


def content(where: Warehouse | Path) -> dict[str, list[tuple[Any, ...]]]:
    with session(where, read_only=True) as con:
        return {
            table: sorted(
                map(
                    _hashable,
                    con.execute(
                        f"SELECT {q}" + ("" if " FROM " in q else f" FROM {table}")
                    ).fetchall(),
                )
            )
            for table, q in CONTENT.items()
        }


def _hashable(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(tuple(v) if isinstance(v, list) else v for v in row)


def differences(
    got: dict[str, list[tuple[Any, ...]]], want: dict[str, list[tuple[Any, ...]]]
) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Per table, the rows only in `got` and only in `want` (empty when they store the same)."""
    out = {}
    for table in want:
        extra, missing = set(got[table]) - set(want[table]), set(want[table]) - set(got[table])
        if extra or missing or len(got[table]) != len(want[table]):
            out[table] = {"extra": sorted(extra)[:5], "missing": sorted(missing)[:5]}
    return out


def duplicate_keys(where: Warehouse | Path) -> dict[str, int]:
    with session(where, read_only=True) as con:
        return {
            table: con.execute(
                f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}"
            ).fetchone()[0]  # type: ignore[index]
            for table, key in KEYS.items()
        }


def test_a_local_ducklake_stores_what_a_duckdb_file_stores(
    prefect_api: str, room: Newsroom, tmp_path: Path
) -> None:
    feeds = feed_list(tmp_path / "feeds.txt", room.feed_urls)
    file_db = tmp_path / "file.duckdb"
    lake = Warehouse(f"ducklake:{tmp_path / 'catalog.ducklake'}", str(tmp_path / "lake"))

    finish(ingest_into(prefect_api, feeds, file_db))
    out = finish(ingest_into(prefect_api, feeds, lake))

    assert f"warehouse: {lake.location}" in out
    stored = content(lake)
    diff = differences(stored, content(file_db))
    assert not diff, pformat(diff, width=200)
    with session(lake, read_only=True) as a, session(file_db, read_only=True) as b:
        assert a.execute(STORIES).fetchall() == b.execute(STORIES).fetchall()
    assert len(stored["articles"]) >= 20
    # the same CLI reads it: SQL over the views, and search (through a local index copy)
    sql = subprocess.run(
        [
            WIREHOUSE,
            "sql",
            "SELECT count(*) AS n FROM stories",
            "--db",
            lake.location,
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    with session(file_db, read_only=True) as con:
        stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]  # type: ignore[index]
    assert sql.stdout.split() == ["n", str(stories)]
    title = stored["articles"][0][4]
    word = max((w for w in title.split() if w.isalpha()), key=len)
    found = subprocess.run(
        [WIREHOUSE, "search", word, "--db", lake.location, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert word.lower() in found.stdout.lower()


def test_concurrent_workers_on_a_postgres_lake_store_exactly_what_one_worker_stores(
    prefect_api: str, postgres: Callable[[str], str], room: Newsroom, tmp_path: Path
) -> None:
    urls = room.feed_urls
    lake = Warehouse(f"ducklake:postgres:{postgres('news')}", str(tmp_path / "lake"))
    one = tmp_path / "one.duckdb"

    finish(ingest_into(prefect_api, feed_list(tmp_path / "all.txt", urls), one))
    workers = [ingest_into(prefect_api, f, lake) for f in overlapping_feed_lists(tmp_path, urls)]
    for w in workers:
        finish(w)

    assert duplicate_keys(lake) == {t: 0 for t in KEYS}
    diff = differences(content(lake), content(one))
    assert not diff, pformat(diff, width=200)
