"""The real ingest flow against the demo newsroom: real HTTP on loopback, a real DuckDB file,
a real Prefect server. Truth comes from the newsroom, which knows what it published."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import httpx
import pytest
import trafilatura
from warcio.archiveiterator import ArchiveIterator

from devkit.newsroom import Newsroom
from wirehouse.extractors.quality import aggregate_scores, token_scores
from wirehouse.flows.ingest import ingest

TABLES = ["articles", "article_urls", "article_versions", "pages"]


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def run(room: Newsroom, db: Path):
    return asyncio.run(ingest(feeds=room.feed_urls, db=str(db)))


@pytest.fixture(scope="module")
def room():
    with Newsroom(slow_seconds=0.3) as newsroom:
        yield newsroom


@pytest.fixture(scope="module")
def first(prefect_api, room, tmp_path_factory):
    db = tmp_path_factory.mktemp("ingest") / "wirehouse.duckdb"
    summary = run(room, db)
    return db, summary


def by_url(db: Path) -> dict[str, tuple]:
    rows = query(
        db,
        "SELECT url, article_id, title, text, published_at, published_at_source, body_source"
        " FROM articles",
    )
    return {r[0]: r for r in rows}


def test_each_original_article_is_one_row_and_the_verbatim_wire_copy_is_not(first, room):
    db, summary = first
    stored = by_url(db)
    originals = [t for t in room.truth if t.copy_of is None]
    assert {t.url for t in originals} <= set(stored)
    [verbatim] = [t for t in room.truth if t.kind == "wire-verbatim"]
    assert verbatim.url not in stored
    [(kind, article_id)] = query(
        db, "SELECT match_kind, article_id FROM article_urls WHERE url = ?", verbatim.url
    )
    assert kind == "exact"
    assert article_id == stored[verbatim.copy_of][1]
    assert summary.duplicates.get("exact") == 1


def test_an_entry_listed_twice_with_tracking_parameters_is_one_article(first, room):
    db, _ = first
    tracked = room.faults["tracking_link"]
    clean = tracked.split("?")[0]
    rows = query(
        db,
        "SELECT url, match_kind, article_id FROM article_urls WHERE url IN (?, ?) ORDER BY url",
        clean,
        tracked,
    )
    assert [(url, kind) for url, kind, _ in rows] == [(clean, "new"), (tracked, "url")]
    assert rows[0][2] == rows[1][2]
    assert query(db, "SELECT count(*) FROM articles WHERE url_key LIKE ?", clean + "%") == [(1,)]


def test_article_text_is_the_article_with_the_boilerplate_gone(first, room):
    db, _ = first
    stored = by_url(db)
    scores = {}
    for t in room.truth:
        if t.url in stored and stored[t.url][6] == "page":
            scores[t.url] = token_scores(stored[t.url][3], "\n".join(t.paragraphs))
    assert len(scores) >= 17
    low = {u: s for u, s in scores.items() if s[1] < 0.95 or s[0] < 0.90}
    assert not low, f"below recall 0.95 / precision 0.90: {low}"
    for word in ("cookie", "Subscribe", "Most read", "Comment policy"):
        assert not any(word.lower() in stored[u][3].lower() for u in scores), word


def test_extraction_is_at_least_as_good_as_plain_trafilatura_on_the_same_pages(first, room):
    db, _ = first
    stored = by_url(db)
    ours: list[tuple[str, str]] = []
    plain: list[tuple[str, str]] = []
    with httpx.Client() as client:
        for t in room.truth:
            if t.url not in stored or stored[t.url][6] != "page":
                continue
            gold = "\n".join(t.paragraphs)
            html = client.get(t.url).content
            ours.append((stored[t.url][3], gold))
            plain.append((trafilatura.extract(html) or "", gold))
    assert aggregate_scores(ours)[2] >= aggregate_scores(plain)[2]


def test_titles_and_publication_dates_are_right(first, room):
    db, _ = first
    stored = by_url(db)
    for t in room.truth:
        if t.url not in stored or stored[t.url][6] != "page":
            continue
        _, _, title, _, published, source, _ = stored[t.url]
        assert title == t.title
        if t.published_at is None:
            assert source == "first_seen"
        else:
            assert published == t.published_at, (t.url, published, source)


def test_failed_feeds_and_pages_are_recorded_and_the_run_completes(first, room):
    db, summary = first
    faults = room.faults
    [(status, error)] = query(
        db, "SELECT status, error FROM fetches WHERE url = ?", faults["missing_page"]
    )
    assert (status, error) == (404, "http_404")
    [(last_error,)] = query(
        db, "SELECT last_error FROM feeds WHERE feed_url = ?", faults["broken_feed"]
    )
    assert last_error.startswith("malformed")
    assert ("extract", faults["pdf"], "not_html") in {
        (r.stage, r.url, r.reason) for r in summary.rejected
    }
    # nothing a feed announced is dropped: the 404 entry is kept with the feed's own text
    [(body_source, text)] = query(
        db,
        "SELECT a.body_source, a.text FROM articles a JOIN article_urls u USING (article_id)"
        " WHERE u.url = ?",
        faults["missing_page"],
    )
    assert body_source == "feed" and text
    [(status, flow_run_id, new_articles)] = query(
        db, "SELECT status, flow_run_id, new_articles FROM runs"
    )
    assert status == "completed" and flow_run_id and new_articles == summary.new_articles


def test_a_second_run_over_unchanged_feeds_fetches_no_page_and_adds_no_row(first, room):
    db, _ = first
    # pages that failed are retried whether or not their feed changed; a failed retry only
    # moves their last attempt (and reason)
    retried = {u for (u,) in query(db, "SELECT url FROM articles WHERE status <> 'ok'")}
    select = {t: "*" for t in TABLES} | {"articles": "* EXCLUDE (last_fetched_at, status)"}
    before = {t: query(db, f"SELECT {select[t]} FROM {t} ORDER BY ALL") for t in TABLES}
    requests_before = len(room.requests())
    summary = run(room, db)
    after = {t: query(db, f"SELECT {select[t]} FROM {t} ORDER BY ALL") for t in TABLES}
    assert after == before
    # every feed answered 304, or was not due (the RSS 1.0 feed announces sy:updatePeriod)
    assert summary.feeds_not_modified + summary.feeds_skipped == len(room.feed_urls)
    assert summary.feeds_not_modified >= 4
    assert summary.new_articles == 0 and summary.pages_fetched <= len(retried)
    feed_paths = {urlsplit(u).path for u in room.feed_urls}
    retried_paths = {urlsplit(u).path for u in retried} | {"/robots.txt"}
    later = room.requests()[requests_before:]
    assert later and all(urlsplit(url).path in feed_paths | retried_paths for _, url, _ in later)
    assert {status for _, url, status in later if urlsplit(url).path in feed_paths} == {304}


def test_the_edited_wire_copy_is_a_near_duplicate_of_the_original(first, room):
    db, _ = first
    stored = by_url(db)
    [edited] = [t for t in room.truth if t.kind == "wire-edited"]
    assert edited.url not in stored
    [(kind, similarity, article_id)] = query(
        db, "SELECT match_kind, similarity, article_id FROM article_urls WHERE url = ?", edited.url
    )
    assert kind == "near" and 0.5 <= similarity < 1.0
    assert article_id == stored[edited.copy_of][1]


def test_reports_of_one_event_share_a_story_and_other_events_do_not(first, room):
    db, _ = first
    story_of = dict(query(db, "SELECT url, story_id FROM articles"))
    by_event: dict[str, set[str]] = {}
    for t in room.truth:
        if t.url in story_of and t.kind != "brief":
            by_event.setdefault(t.story, set()).add(story_of[t.url])
    for event, stories in by_event.items():
        assert len(stories) == 1, f"{event} split over {len(stories)} stories"
    owners: dict[str, str] = {}
    for event, (story,) in by_event.items():
        assert story not in owners, f"{event} merged into the story of {owners.get(story)}"
        owners[story] = event
    strike = next(iter(by_event["harbour-strike"]))
    [(articles, outlets)] = query(
        db, "SELECT articles, len(outlets) FROM stories WHERE story_id = ?", strike
    )
    assert articles == 3 and outlets == 3


def test_an_updated_page_becomes_a_new_version_and_a_rerun_changes_nothing(prefect_api, tmp_path):
    db = tmp_path / "wirehouse.duckdb"
    with Newsroom(slow_seconds=0.1) as room:
        run(room, db)
        before = {t.url: t for t in room.truth}
        room.advance()
        [updated] = [t for t in room.truth if t.kind == "updated" or before.get(t.url, t) != t]
        second = run(room, db)
        assert second.new_versions == 1 and second.new_articles == 1
        [(article_id, version, text)] = query(
            db, "SELECT article_id, version, text FROM articles WHERE url = ?", updated.url
        )
        assert version == 2 and updated.paragraphs[-1][:40] in text
        versions = query(
            db,
            "SELECT version, text FROM article_versions WHERE article_id = ? ORDER BY version",
            article_id,
        )
        assert [v for v, _ in versions] == [1, 2]
        assert versions[0][1] != versions[1][1]
        snapshot = {t: query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}
        third = run(room, db)
        assert third.new_articles == 0 and third.new_versions == 0
        assert {t: query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES} == snapshot


def test_each_run_writes_the_html_digest_next_to_the_warehouse(first, room):
    db, _ = first
    page = (db.parent / "digest.html").read_text(encoding="utf-8")
    [strike] = [t for t in room.truth if t.story == "harbour-strike"][:1]
    assert strike.title.split(":")[0].replace("'", "&#x27;") in page
    assert page.count('class="bar"') >= 5


def test_a_read_copy_is_published_that_opens_while_another_process_writes(first):
    import subprocess
    import sys

    from wirehouse.warehouse.connection import read_copy_path

    db, _ = first
    copy = read_copy_path(db)
    assert copy.name == "wirehouse.read.duckdb"
    assert query(copy, "SELECT count(*) FROM articles") == query(
        db, "SELECT count(*) FROM articles"
    )
    # a process holding the warehouse for writing, as a running ingest does
    code = (
        f"import duckdb, time; c = duckdb.connect({str(db)!r});"
        " print('ready', flush=True); time.sleep(30)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(db), read_only=True)
        assert query(copy, "SELECT count(*) > 0 FROM articles") == [(True,)]
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def copy_warehouse(db: Path, folder: Path) -> Path:
    """The warehouse file and its raw-page archive, copied to `folder`."""
    copy = folder / db.name
    shutil.copyfile(db, copy)
    shutil.copytree(db.with_suffix(".warc"), copy.with_suffix(".warc"))
    return copy


# what an article and its versions are, all but the clock of the run that re-extracts
ARTICLE_STATE = {
    "articles": "SELECT * FROM articles ORDER BY article_id",
    "article_versions": "SELECT * FROM article_versions ORDER BY article_id, version",
    "pages": "SELECT * FROM pages ORDER BY url, fetched_at",
}


def article_state(db: Path) -> dict[str, list[tuple]]:
    return {name: query(db, sql) for name, sql in ARTICLE_STATE.items()}


def test_the_raw_pages_are_a_standard_warc_archive_one_record_per_payload(first):
    db, _ = first
    urls: dict[str, set[str]] = {}
    for digest, url in query(db, "SELECT raw_hash, url FROM pages"):
        urls.setdefault(digest, set()).add(url)
    sizes = dict(query(db, "SELECT raw_hash, html_bytes FROM raw_pages"))
    files = sorted(db.with_suffix(".warc").glob("*.warc.gz"))
    assert files
    found = {}
    for path in files:
        with path.open("rb") as f:
            for record in ArchiveIterator(f):  # warcio, as pywb and other tools read it
                if record.rec_type != "resource":
                    assert record.rec_type == "warcinfo"
                    continue
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                assert digest not in found  # identical payloads are stored once
                found[digest] = record.rec_headers.get_header("WARC-Target-URI")
                assert len(record.content_stream().read()) == sizes[digest]
    assert set(found) == set(sizes) == set(urls)
    assert all(uri in urls[digest] for digest, uri in found.items())


def test_reextract_from_the_archive_reproduces_every_article_exactly(first, tmp_path):
    from wirehouse.flows.reextract import reextract

    db, _ = first
    copy = copy_warehouse(db, tmp_path)
    before = article_state(copy)
    counts = asyncio.run(reextract(db=str(copy)))
    assert counts["pages"] >= 17
    assert (counts["changed"], counts["rejected"], counts["unreadable"]) == (0, 0, 0)
    assert article_state(copy) == before


def test_a_warehouse_with_blobs_migrates_into_the_archive_and_loses_nothing(first, tmp_path):
    """The same warehouse as it was before migration 011 (blobs in `raw_pages`, keyed by the
    sha256 of their zlib bytes, no archive) migrates to the archive: every page's bytes come
    back, and re-extraction reproduces every article."""
    from devkit.archived import page_payloads
    from wirehouse.flows.reextract import reextract
    from wirehouse.warehouse.migrate import migrate

    db, _ = first
    copy = copy_warehouse(db, tmp_path)
    with duckdb.connect(str(copy)) as con:
        payloads = page_payloads(con)
        undo_migration_011(con, {digest: body for digest, body in stored_by_digest(con)})
    shutil.rmtree(copy.with_suffix(".warc"))
    before = article_state(copy)
    with duckdb.connect(str(copy)) as con:
        assert migrate(con) == [11, 12]
        assert page_payloads(con) == payloads
        assert "html_zlib" not in {r[0] for r in con.execute("DESCRIBE raw_pages").fetchall()}
    assert article_state(copy)["articles"] == before["articles"]
    counts = asyncio.run(reextract(db=str(copy)))
    assert (counts["changed"], counts["rejected"], counts["unreadable"]) == (0, 0, 0)
    assert article_state(copy)["articles"] == before["articles"]
    assert article_state(copy)["article_versions"] == before["article_versions"]


def stored_by_digest(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bytes]]:
    from wirehouse.warehouse import archive

    folder = archive.archive_dir(con)
    return [
        (digest, archive.read(folder, archive.Location(f, offset, length), digest))
        for digest, f, offset, length in con.execute(
            "SELECT raw_hash, warc_file, warc_offset, warc_length FROM raw_pages"
        ).fetchall()
    ]


def undo_migration_011(con: duckdb.DuckDBPyConnection, bodies: dict[str, bytes]) -> None:
    """Put the warehouse back in the layout of migration 006 to 010."""
    import hashlib
    import zlib

    blobs = {d: zlib.compress(b, 1) for d, b in bodies.items()}
    old_key = {d: hashlib.sha256(z).hexdigest() for d, z in blobs.items()}
    con.execute(
        "CREATE TABLE raw_old (raw_hash VARCHAR PRIMARY KEY, html_bytes INTEGER NOT NULL,"
        " html_zlib BLOB NOT NULL, stored_at TIMESTAMPTZ NOT NULL)"
    )
    for digest, size, stored_at in con.execute(
        "SELECT raw_hash, html_bytes, stored_at FROM raw_pages"
    ).fetchall():
        con.execute(
            "INSERT INTO raw_old VALUES (?, ?, ?, ?)",
            [old_key[digest], size, blobs[digest], stored_at],
        )
        con.execute("UPDATE pages SET raw_hash = ? WHERE raw_hash = ?", [old_key[digest], digest])
    con.execute("DROP TABLE raw_pages")
    con.execute("ALTER TABLE raw_old RENAME TO raw_pages")
    con.execute("DROP TABLE archive_files")
    con.execute("DELETE FROM schema_migrations WHERE version IN (11, 12)")


def test_reextract_rebuilds_texts_from_stored_pages_as_new_versions(first, tmp_path):
    from wirehouse.flows.reextract import reextract

    db, _ = first
    copy = copy_warehouse(db, tmp_path)
    with duckdb.connect(str(copy)) as con:
        [(article_id, text)] = con.execute(
            "SELECT article_id, text FROM articles WHERE body_source = 'page' ORDER BY url LIMIT 1"
        ).fetchall()
        con.execute(
            "UPDATE articles SET text = 'stale', content_hash = 'stale' WHERE article_id = ?",
            [article_id],
        )
    counts = asyncio.run(reextract(db=str(copy)))
    assert counts["changed"] == 1 and counts["pages"] >= 17 and counts["rejected"] == 0
    assert query(copy, "SELECT text, version FROM articles WHERE article_id = ?", article_id) == [
        (text, 2)
    ]


def test_reextract_adds_no_version_for_a_dateline_and_keeps_the_daily_cap(first, tmp_path):
    """Re-extracted texts go through the same version rule as fetched ones."""
    from wirehouse.config.settings import load_settings
    from wirehouse.flows.reextract import reextract

    db, _ = first
    copy = copy_warehouse(db, tmp_path)
    per_day = load_settings(db=str(copy)).dedup.versions_per_day
    dated_line = "\nUpdated 10:42 GMT"
    with duckdb.connect(str(copy)) as con:
        (dated, dated_text), (capped, _) = con.execute(
            "SELECT article_id, text FROM articles WHERE body_source = 'page' ORDER BY url LIMIT 2"
        ).fetchall()
        # the stored text differs from what the page gives only by an "updated" line
        con.execute(
            "UPDATE articles SET text = ?, content_hash = 'dated' WHERE article_id = ?",
            [dated_text + dated_line, dated],
        )
        # a real change, for an article that already got its day's new versions
        con.execute(
            "UPDATE articles SET text = 'stale', content_hash = 'stale', version = ?"
            " WHERE article_id = ?",
            [1 + per_day, capped],
        )
        for version in range(2, 2 + per_day):
            con.execute(
                "INSERT INTO article_versions (article_id, version, text, content_hash,"
                " body_source, fetched_at) VALUES (?, ?, 'earlier', ?, 'page', now())",
                [capped, version, f"earlier-{version}"],
            )
    counts = asyncio.run(reextract(db=str(copy)))
    assert counts["changed"] == 0 and counts["pages"] >= 17 and counts["rejected"] == 0
    assert query(copy, "SELECT text, version FROM articles WHERE article_id = ?", dated) == [
        (dated_text + dated_line, 1)
    ]
    assert query(copy, "SELECT text, version FROM articles WHERE article_id = ?", capped) == [
        ("stale", 1 + per_day)
    ]
