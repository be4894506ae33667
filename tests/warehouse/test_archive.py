"""The raw-page archive on disk: one record per payload, files per process that rotate, the
folder the warehouse names, and a lost file that costs its pages only."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from devkit.archived import archived_records, page_payloads
from tests.factories import NOW, article
from wirehouse.config.location import Warehouse
from wirehouse.config.settings import DedupSettings
from wirehouse.errors import WarehouseError
from wirehouse.records import Article
from wirehouse.warc import raw_record
from wirehouse.warehouse import archive
from wirehouse.warehouse.connection import connect, transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.pages import latest_pages

DAY = timedelta(days=1)


def fetched(n: int, body: bytes | None = None) -> Article:
    url = f"http://a.test/{n}"
    body = body if body is not None else f"<html><p>page {n} {'w ' * n}</p></html>".encode()
    return dataclasses.replace(
        article(url, f"story number {n} " + "word " * (20 + n)),
        raw=raw_record(url, NOW, "text/html", body),
        fetched_at=NOW,
        content_type="text/html",
    )


def load(con: duckdb.DuckDBPyConnection, articles: list[Article]) -> None:
    with transaction(con):
        dedupe_and_load(con, "r1", articles, settings=DedupSettings(), now=NOW)


def test_the_archive_is_beside_a_duckdb_file_or_where_settings_say(tmp_path: Path) -> None:
    assert Warehouse(str(tmp_path / "news.duckdb")).archive == tmp_path / "news.warc"
    chosen = Warehouse(str(tmp_path / "news.duckdb"), archive_dir=tmp_path / "elsewhere")
    with connect(chosen) as con:
        migrate(con)
        assert archive.archive_dir(con) == tmp_path / "elsewhere"
        load(con, [fetched(1)])
    assert [p.parent for p in (tmp_path / "elsewhere").glob("*.warc.gz")] == [
        tmp_path / "elsewhere"
    ]
    assert not (tmp_path / "news.warc").exists()


def test_a_lake_keeps_its_archive_in_the_data_path_it_recorded(tmp_path: Path) -> None:
    catalog = f"ducklake:{tmp_path / 'cat.ducklake'}"
    with connect(Warehouse(catalog, str(tmp_path / "files"))) as con:
        migrate(con)
        load(con, [fetched(1)])
        assert archive.archive_dir(con) == tmp_path / "files" / "warc"
    # a later run names only the catalog: the same folder, every page readable
    with connect(Warehouse(catalog)) as con:
        assert archive.archive_dir(con) == tmp_path / "files" / "warc"
        ((page, _),), unreadable = latest_pages(
            con, [r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()]
        )
        assert unreadable == [] and page.body.startswith(b"<html>")


def test_a_prune_leaves_the_files_of_another_warehouse_sharing_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1)
    shared = tmp_path / "shared-warc"
    one = Warehouse(str(tmp_path / "one.duckdb"), archive_dir=shared)
    other = Warehouse(str(tmp_path / "other.duckdb"), archive_dir=shared)
    with connect(other) as con:
        migrate(con)
        load(con, [fetched(2)])
    with connect(one) as con:
        migrate(con)
        load(con, [fetched(1)])
        con.execute("DELETE FROM pages; DELETE FROM raw_pages")  # as if pruned
        aged = (NOW - 400 * DAY).timestamp()
        for path in shared.iterdir():
            os.utime(path, (aged, aged))
        removed = archive.remove_unused_files(con, older_than=90 * DAY, now=datetime.now(UTC))
        assert len(removed) == 1
    with connect(other) as con:
        assert len(page_payloads(con)) == 1  # the other warehouse's file is still there


def test_a_write_that_fails_halfway_leaves_whole_records_only(
    con, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(con, [fetched(1)])
    (path,) = archive.archive_dir(con).glob("*.warc.gz")
    size = path.stat().st_size

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(WarehouseError, match="No space left"):
        load(con, [fetched(2)])
    monkeypatch.undo()
    assert path.stat().st_size == size  # cut back: no torn record
    load(con, [fetched(3)])
    assert [url for url, _, _ in page_payloads(con)] == ["http://a.test/1", "http://a.test/3"]


def test_each_payload_is_one_record_and_loading_again_writes_nothing(con) -> None:
    same = b"<html><p>the same wire page</p></html>"
    load(con, [fetched(1), fetched(2, same), fetched(3, same)])
    load(con, [fetched(1)])  # the same page again: no new page row, no new record
    records = archived_records(con)
    assert len(records) == 2 == con.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
    assert {digest for _, digest in records} == {
        r[0] for r in con.execute("SELECT raw_hash FROM raw_pages").fetchall()
    }
    assert [body for _, _, body in page_payloads(con)][1:] == [same, same]


def test_files_rotate_past_their_size_and_are_named_by_host_and_process(con, monkeypatch) -> None:
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1)
    for n in range(3):
        load(con, [fetched(n)])
    names = sorted(p.name for p in archive.archive_dir(con).glob("*.warc.gz"))
    assert len(names) == 3
    assert all(f"-{os.getpid()}-" in name for name in names)
    assert [name.rsplit("-", 1)[1] for name in names] == [
        "00000.warc.gz",
        "00001.warc.gz",
        "00002.warc.gz",
    ]
    assert len(page_payloads(con)) == 3


def test_a_lost_archive_file_costs_its_pages_only(con, monkeypatch) -> None:
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1)
    load(con, [fetched(1)])
    load(con, [fetched(2)])
    (lost,) = con.execute(
        "SELECT r.warc_file FROM raw_pages r JOIN pages p USING (raw_hash)"
        " WHERE p.url = 'http://a.test/1'"
    ).fetchone()
    (archive.archive_dir(con) / lost).unlink()
    ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY url").fetchall()]
    stored, unreadable = latest_pages(con, ids)
    assert [page.final_url for page, _ in stored] == ["http://a.test/2"]
    assert len(unreadable) == 1 and unreadable[0].startswith("http://a.test/1: cannot read")


def test_a_record_that_moved_or_was_overwritten_is_not_read_as_another_page(con) -> None:
    load(con, [fetched(1), fetched(2)])
    folder = archive.archive_dir(con)
    (a_file, a_off, a_len), (_, b_off, _) = con.execute(
        "SELECT warc_file, warc_offset, warc_length FROM raw_pages ORDER BY warc_offset"
    ).fetchall()
    (b_digest,) = con.execute(
        "SELECT raw_hash FROM raw_pages WHERE warc_offset = ?", [b_off]
    ).fetchone()
    with pytest.raises(WarehouseError, match="does not hold"):
        archive.read(folder, archive.Location(a_file, a_off, a_len), b_digest)
    for name in ("../w.duckdb", "/etc/passwd", ".hidden"):
        with pytest.raises(WarehouseError, match="bad archive file name"):
            archive.read(folder, archive.Location(name, 0, 10), b_digest)


def test_an_unwritable_archive_fails_the_batch_and_stores_no_row(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    (tmp_path / "w.warc").write_text("a file where the folder should be")
    with connect(db) as con:
        migrate(con)
        with pytest.raises(WarehouseError, match="cannot write the raw-page archive"):
            load(con, [fetched(1)])
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM raw_pages").fetchone() == (0,)
