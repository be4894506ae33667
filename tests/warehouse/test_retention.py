"""Raw pages stored once per payload; `prune` bounds the log and the raw pages and
never loses an article, a text or the newest raw page of an article."""

from __future__ import annotations

import dataclasses
import os
import random
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from typer.testing import CliRunner

from devkit.archived import archived_records, page_payloads
from tests.factories import NOW, article
from wirehouse.cli import app
from wirehouse.config.settings import DedupSettings
from wirehouse.errors import ConfigError
from wirehouse.records import Article, FetchKind, Known
from wirehouse.timespec import parse_duration
from wirehouse.warc import raw_record
from wirehouse.warehouse import archive
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.pages import latest_pages
from wirehouse.warehouse.retention import prune, prune_and_commit, prune_due

DAY = timedelta(days=1)


def html(n: int) -> bytes:
    return f"<html><body><article><p>Raw page number {n}.</p></article></body></html>".encode()


def fetched_page(url: str, text: str, body: bytes, *, days_ago: int, now=NOW) -> Article:
    base = article(url, text)
    return dataclasses.replace(
        base,
        raw=raw_record(url, now - days_ago * DAY, "text/html", body),
        fetched_at=now - days_ago * DAY,
        content_type="text/html",
    )


def load(con: duckdb.DuckDBPyConnection, articles: list[Article], known=None) -> None:
    with transaction(con):
        dedupe_and_load(con, "r1", articles, settings=DedupSettings(), now=NOW, refetched=known)


def refetch(con: duckdb.DuckDBPyConnection, a: Article) -> None:
    aid, chash, version = con.execute(
        "SELECT article_id, content_hash, version FROM articles WHERE url = ?", [a.url]
    ).fetchone()
    load(con, [a], {a.entry.url_key: Known(aid, chash, version)})


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_identical_payloads_are_stored_once(con):
    same = html(1)
    load(
        con,
        [
            fetched_page("http://a.test/1", "first text of a story", same, days_ago=0),
            fetched_page("http://mirror.test/1", "other text entirely here", same, days_ago=0),
            fetched_page("http://a.test/2", "second story words", html(2), days_ago=0),
        ],
    )
    assert count(con, "SELECT count(*) FROM pages") == 3
    assert count(con, "SELECT count(*) FROM raw_pages") == 2
    # a re-fetch that serves the same bytes with a changed text adds a page row, no blob
    refetch(con, fetched_page("http://a.test/2", "second story, corrected", html(2), days_ago=0))
    assert count(con, "SELECT count(*) FROM article_versions") == 4
    assert count(con, "SELECT count(*) FROM raw_pages") == 2
    assert {url: body for url, _, body in page_payloads(con)}["http://mirror.test/1"] == same
    # one record per payload in the archive
    assert count(con, "SELECT count(*) FROM raw_pages") == 2
    assert len(archived_records(con)) == 2


def build_history(con: duckdb.DuckDBPyConnection, now: datetime = NOW) -> None:
    """Article A: pages 200, 100 and 10 days old; B: one page 200 days old; C: a mirror of A's
    first page, 150 days old; fetch log rows of every age."""

    def page(url: str, text: str, n: int, days_ago: int) -> Article:
        return fetched_page(url, text, html(n), days_ago=days_ago, now=now)

    load(con, [page("http://a.test/a", "alpha one words", 10, 200)])
    refetch(con, page("http://a.test/a", "alpha two words", 11, 100))
    refetch(con, page("http://a.test/a", "alpha three words", 12, 10))
    load(con, [page("http://b.test/b", "beta only words", 20, 200)])
    load(con, [page("http://c.test/c", "gamma mirror words", 10, 150)])
    for days in (300, 120, 91, 89, 1, 0):
        con.execute(
            "INSERT INTO fetches (run_id, url, kind, status, fetched_at) VALUES (?, ?, ?, 200, ?)",
            ["r0", f"http://a.test/{days}", str(FetchKind.PAGE), now - days * DAY],
        )


def test_prune_removes_old_log_rows_and_old_raw_pages_and_keeps_every_article(con):
    build_history(con)
    articles_before = con.execute("SELECT * FROM articles ORDER BY article_id").fetchall()
    versions_before = con.execute("SELECT * FROM article_versions ORDER BY ALL").fetchall()
    with transaction(con):
        pruned = prune(con, older_than=90 * DAY, now=NOW)
    assert (pruned.fetches, pruned.pages, pruned.raw_pages) == (3, 2, 1)
    assert con.execute("SELECT * FROM articles ORDER BY article_id").fetchall() == articles_before
    assert con.execute("SELECT * FROM article_versions ORDER BY ALL").fetchall() == versions_before
    ages = con.execute("SELECT fetched_at FROM fetches ORDER BY fetched_at").fetchall()
    assert [(NOW - at).days for (at,) in ages] == [89, 1, 0]
    kept = con.execute("SELECT url, fetched_at FROM pages ORDER BY url").fetchall()
    assert [(u, (NOW - at).days) for u, at in kept] == [
        ("http://a.test/a", 10),  # A's newest; its two older pages went
        ("http://b.test/b", 200),  # B's only page stays, however old
        ("http://c.test/c", 150),  # C's only page, whose blob A's first page shared
    ]
    # every raw payload a kept page points at is still there, and no orphan remains
    assert count(con, "SELECT count(*) FROM pages p ANTI JOIN raw_pages r USING (raw_hash)") == 0
    assert count(con, "SELECT count(*) FROM raw_pages r ANTI JOIN pages p USING (raw_hash)") == 0
    assert {url: body for url, _, body in page_payloads(con)}["http://c.test/c"] == html(10)
    # `reextract` still finds a page for every article
    ids = [r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()]
    stored, unreadable = latest_pages(con, ids)
    assert len(stored) == len(ids) == 3 and unreadable == []
    assert count(con, "SELECT count(*) FROM prunes") == 1


def test_pruning_twice_removes_nothing_more(con):
    build_history(con)
    with transaction(con):
        prune(con, older_than=90 * DAY, now=NOW)
    with transaction(con):
        again = prune(con, older_than=90 * DAY, now=NOW)
    assert (again.fetches, again.pages, again.raw_pages) == (0, 0, 0)


def test_an_archive_file_goes_when_no_payload_is_left_in_it(con, monkeypatch):
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1)  # each batch's records in a file of its own
    build_history(con)
    folder = archive.archive_dir(con)
    written = sorted(p.name for p in folder.glob("*.warc.gz"))
    assert len(written) == 4  # A's three pages and B's; C's payload is A's first, stored once
    aged = (NOW - 100 * DAY).timestamp()
    for path in folder.iterdir():
        os.utime(path, (aged, aged))
    pruned = prune_and_commit(con, older_than=90 * DAY, now=NOW)
    assert (pruned.raw_pages, pruned.archive_files) == (1, 1)
    used = {r[0] for r in con.execute("SELECT warc_file FROM raw_pages").fetchall()}
    assert sorted(p.name for p in folder.glob("*.warc.gz")) == sorted(used)
    assert len(used) == 3
    # every page kept is still read back from the files kept
    assert {url for url, _, _ in page_payloads(con)} == {
        "http://a.test/a",
        "http://b.test/b",
        "http://c.test/c",
    }


def test_a_mostly_pruned_file_is_compacted_and_its_live_pages_kept(con, monkeypatch):
    """Pruning keeps each article's newest page, so a file holding one live page among pruned
    ones would keep its dead bytes for ever: its live records are copied on and the file goes."""
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1)
    big = b"<html><p>" + random.Random(1).randbytes(100_000) + b"</p></html>"  # incompressible
    load(
        con,
        [
            fetched_page("http://x.test/big", "the big story words", big, days_ago=200),
            fetched_page("http://y.test/small", "the small story words", html(5), days_ago=200),
        ],
    )
    (first,) = {r[0] for r in con.execute("SELECT warc_file FROM raw_pages").fetchall()}
    refetch(con, fetched_page("http://x.test/big", "the big story, new", html(6), days_ago=10))
    folder = archive.archive_dir(con)
    aged = (NOW - 100 * DAY).timestamp()
    for path in folder.iterdir():
        os.utime(path, (aged, aged))
    pruned = prune_and_commit(con, older_than=90 * DAY, now=NOW)
    assert pruned.raw_pages == 1  # the big old version
    assert not (folder / first).exists() and pruned.archive_files == 1
    files = {r[0] for r in con.execute("SELECT warc_file FROM archive_files").fetchall()}
    assert first not in files
    assert files == {r[0] for r in con.execute("SELECT warc_file FROM raw_pages").fetchall()}
    assert {url: body for url, _, body in page_payloads(con)} == {
        "http://x.test/big": html(6),
        "http://y.test/small": html(5),
    }
    assert sum(p.stat().st_size for p in folder.iterdir()) < len(big) // 10


def test_an_unused_archive_file_written_lately_stays(con, monkeypatch):
    """A file modified within the retention window may belong to a run loading right now."""
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1)
    build_history(con)
    pruned = prune_and_commit(con, older_than=90 * DAY, now=NOW)
    assert (pruned.raw_pages, pruned.archive_files) == (1, 0)
    assert len(list(archive.archive_dir(con).glob("*.warc.gz"))) == 4


def test_a_scheduled_run_prunes_at_most_once_a_day(con):
    assert prune_due(con, now=NOW)
    with transaction(con):
        prune(con, older_than=90 * DAY, now=NOW)
    assert not prune_due(con, now=NOW + timedelta(hours=23))
    assert prune_due(con, now=NOW + DAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", 90 * DAY),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
        (" 7D ", 7 * DAY),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "d",
        "90",
        "0d",
        "-1d",
        "1.5d",
        "9 0d",
        "90days",
        "90y",
        "٩٠d",
        "1e3d",
        "9" * 7 + "d",
        "1" * 100_000 + "d",
        "d" * 100_000,
    ],
)
def test_bad_durations_are_one_line_config_errors_and_cheap(text):
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="bad duration"):
        parse_duration(text)
    assert time.perf_counter() - started < 0.1


def test_the_prune_command(tmp_path):
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        migrate(con)
        build_history(con, datetime.now(UTC))
    runner = CliRunner()
    result = runner.invoke(app, ["prune", "--older-than", "90d", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "3 fetch log rows, 2 pages, 1 raw payloads" in " ".join(result.output.split())
    bad = runner.invoke(app, ["prune", "--older-than", "90 days", "--db", str(db)])
    assert bad.exit_code != 0 and "bad duration" in bad.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert count(con, "SELECT count(*) FROM articles") == 3
