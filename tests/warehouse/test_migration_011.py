"""Migration 011 moves every raw page out of DuckDB into the WARC archive and loses none; when
it cannot finish, the warehouse stays as it was."""

from __future__ import annotations

import hashlib
import importlib
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devkit.archived import archived_records, page_payloads
from tests.warehouse.conftest import migrated_to
from wirehouse.errors import WarehouseError
from wirehouse.warc import payload_digest
from wirehouse.warehouse.migrate import migrate

T0 = datetime(2026, 2, 1, 8, tzinfo=UTC)
# a page twice (one payload), bytes no text encoding accepts, an empty page, a large one
BODIES = [
    b"<html><p>first</p></html>",
    b"<html><p>first</p></html>",
    b"\xff\xfe\x00<p>\x80\x81 not utf-8</p>\x00",
    b"",
    b"<html>" + b"<p>paragraph of a long page</p>" * 20_000 + b"</html>",
]


@pytest.fixture
def at_010(tmp_path: Path):
    """A warehouse file at migration 010 whose raw pages are blobs, one of them an orphan
    no page points at (kept within the retention window)."""
    con = migrated_to(tmp_path / "old.duckdb", 10)
    for i, body in enumerate([*BODIES, b"<p>orphan</p>"]):
        blob = zlib.compress(body, 1)
        key = hashlib.sha256(blob).hexdigest()
        con.execute(
            "INSERT INTO raw_pages SELECT ?, ?, ?, ? WHERE NOT EXISTS"
            " (SELECT 1 FROM raw_pages WHERE raw_hash = ?)",
            [key, len(body), blob, T0 + timedelta(minutes=i), key],
        )
        if i < len(BODIES):
            con.execute(
                "INSERT INTO pages VALUES (?, ?, ?, 'text/html\r\nX: y', ?, ?)",
                [f"http://x.test/{i}", T0 + timedelta(minutes=i), f"a{i}", len(body), key],
            )
    yield con
    con.close()


@pytest.mark.parametrize("chunk", [100, 2])  # all at once, or a few payloads per step
def test_every_raw_page_moves_into_the_archive_and_reads_back_byte_for_byte(
    at_010, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = at_010
    step = importlib.import_module("wirehouse.warehouse.migrations.011_raw_pages_to_warc")
    monkeypatch.setattr(step, "CHUNK", chunk)
    pages_before = con.execute(
        "SELECT url, fetched_at, article_id, content_type, html_bytes FROM pages ORDER BY url"
    ).fetchall()
    assert migrate(con) == [11, 12, 13]
    assert (
        con.execute(
            "SELECT url, fetched_at, article_id, content_type, html_bytes FROM pages ORDER BY url"
        ).fetchall()
        == pages_before
    )
    assert [(url, body) for url, _, body in page_payloads(con)] == [
        (f"http://x.test/{i}", body) for i, body in enumerate(BODIES)
    ]
    columns = {r[0] for r in con.execute("DESCRIBE raw_pages").fetchall()}
    assert columns == {
        "raw_hash",
        "html_bytes",
        "stored_at",
        "warc_file",
        "warc_offset",
        "warc_length",
    }
    # one record per distinct payload, the orphan included, keyed as the loader keys them
    keys = {r[0] for r in con.execute("SELECT raw_hash FROM raw_pages").fetchall()}
    assert keys == {payload_digest(b) for b in [*BODIES, b"<p>orphan</p>"]}
    records = archived_records(con)
    assert sorted(d for _, d in records) == sorted(keys)
    # each record names the page it came from (the orphan a URN of its old key)
    uris = dict((d, u) for u, d in records)
    assert uris[payload_digest(BODIES[2])] == "http://x.test/2"
    assert uris[payload_digest(b"<p>orphan</p>")].startswith("urn:x-wirehouse:raw:")
    # migration 012 lists the files as this warehouse's, for pruning
    assert {r[0] for r in con.execute("SELECT warc_file FROM archive_files").fetchall()} == {
        r[0] for r in con.execute("SELECT warc_file FROM raw_pages").fetchall()
    }
    assert migrate(con) == []  # applied once


def test_a_migration_that_cannot_write_the_archive_leaves_the_warehouse_as_it_was(
    at_010, tmp_path: Path
) -> None:
    con = at_010
    (tmp_path / "old.warc").write_text("a file where the archive folder should be")
    before = con.execute("SELECT * FROM raw_pages ORDER BY raw_hash").fetchall()
    with pytest.raises(WarehouseError, match="cannot write the raw-page archive"):
        migrate(con)
    assert con.execute("SELECT * FROM raw_pages ORDER BY raw_hash").fetchall() == before
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (10,)
    (tmp_path / "old.warc").unlink()
    assert migrate(con) == [11, 12, 13]
    assert len(page_payloads(con)) == len(BODIES)
