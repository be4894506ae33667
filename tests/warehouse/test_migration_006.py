"""Migration 006 (raw pages once per payload, `text_truncated`, deferred entries,
prune log) keeps every stored row of a warehouse at version 005."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import pytest

from tests.warehouse.conftest import migrated_to
from wirehouse.warc import payload_digest
from wirehouse.warehouse import archive
from wirehouse.warehouse.migrate import available_migrations, migrate

T0 = datetime(2026, 2, 1, 8, tzinfo=UTC)


def page_html(n: int) -> bytes:
    return (f"<html><body><p>page {n} " + "word " * (50 + n) + "</p></body></html>").encode()


@pytest.fixture
def at_005(tmp_path):
    """A warehouse file migrated to 005 only, holding articles, versions, URLs, feeds, runs,
    fetches and pages, two of which hold the same raw payload."""
    con = migrated_to(tmp_path / "old.duckdb", 5)
    for i in range(4):
        con.execute(
            "INSERT INTO articles (article_id, url, url_key, text, published_at_source,"
            " content_hash, body_source, version, first_seen_at, updated_at, last_fetched_at)"
            " VALUES (?, ?, ?, ?, 'feed', ?, 'page', 2, ?, ?, ?)",
            [f"a{i}", f"http://x.test/{i}", f"http://x.test/{i}", f"text {i}", f"h{i}"] + [T0] * 3,
        )
        for v in (1, 2):
            con.execute(
                "INSERT INTO article_versions VALUES (?, ?, 't', ?, ?, 'page', ?, 'r1')",
                [f"a{i}", v, f"text {i} v{v}", f"h{i}{v}", T0 + v * timedelta(hours=1)],
            )
        con.execute(
            "INSERT INTO article_urls (url, url_key, feed_url, article_id, match_kind, seen_at)"
            " VALUES (?, ?, 'http://x.test/rss', ?, 'new', ?)",
            [f"http://x.test/{i}", f"http://x.test/{i}", f"a{i}", T0],
        )
    payloads = [page_html(1), page_html(1), page_html(2), page_html(3), page_html(3)]
    for j, body in enumerate(payloads):
        con.execute(
            "INSERT INTO pages VALUES (?, ?, ?, 'text/html', ?, ?)",
            [
                f"http://x.test/{j % 4}",
                T0 + j * timedelta(minutes=5),
                f"a{j % 4}",
                len(body),
                zlib.compress(body, 1),
            ],
        )
    con.execute(
        "INSERT INTO feeds (feed_url, etag, body_hash, items_seen_total)"
        " VALUES ('http://x.test/rss', '\"e1\"', 'abc', 4)"
    )
    con.execute("INSERT INTO runs (run_id, started_at, status) VALUES ('r1', ?, 'completed')", [T0])
    con.execute(
        "INSERT INTO fetches (run_id, url, kind, fetched_at) VALUES ('r1', 'http://x.test/rss',"
        " 'feed', ?)",
        [T0],
    )
    yield con, payloads
    con.close()


def rows(con, sql):
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_migrating_a_005_warehouse_keeps_every_row(at_005):
    con, payloads = at_005
    keep = {
        "articles": "SELECT article_id, url, text, version, content_hash FROM articles",
        "article_versions": "SELECT article_id, version, text FROM article_versions",
        "article_urls": "SELECT url, feed_url, article_id FROM article_urls",
        "feeds": "SELECT feed_url, etag, body_hash, items_seen_total FROM feeds",
        "runs": "SELECT run_id, status FROM runs",
        "fetches": "SELECT run_id, url, fetched_at FROM fetches",
        "pages": "SELECT url, fetched_at, article_id, content_type, html_bytes FROM pages",
    }
    before = {name: rows(con, sql) for name, sql in keep.items()}
    stored = [
        (url, at, zlib.decompress(blob))
        for url, at, blob in rows(con, "SELECT url, fetched_at, html_zlib FROM pages")
    ]

    assert migrate(con) == [m.version for m in available_migrations() if m.version > 5]

    assert {name: rows(con, sql) for name, sql in keep.items()} == before
    # every page's raw payload is still there (now in the WARC archive, through 011), once
    # per distinct payload
    folder = archive.archive_dir(con)
    after = [
        (url, at, archive.read(folder, archive.Location(f, offset, length), digest))
        for url, at, digest, f, offset, length in rows(
            con,
            "SELECT p.url, p.fetched_at, r.raw_hash, r.warc_file, r.warc_offset, r.warc_length"
            " FROM pages p JOIN raw_pages r USING (raw_hash)",
        )
    ]
    assert sorted(after, key=repr) == sorted(stored, key=repr)
    assert con.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == len(set(payloads))
    # the key written by the migrations is the one the loader computes
    assert {r[0] for r in con.execute("SELECT raw_hash FROM raw_pages").fetchall()} == {
        payload_digest(b) for b in payloads
    }
    assert con.execute(
        "SELECT bool_or(text_truncated) FROM articles UNION ALL"
        " SELECT bool_or(text_truncated) FROM article_versions"
    ).fetchall() == [(False,), (False,)]
    assert con.execute("SELECT deferred_entries FROM feeds").fetchall() == [(0,)]
