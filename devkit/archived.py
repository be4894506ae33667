"""Tests' and evaluations' view of the raw-page archive: each stored page's bytes, read back
from its WARC record the way `reextract` reads them."""

from __future__ import annotations

import duckdb
from warcio.archiveiterator import ArchiveIterator

from wirehouse.warehouse import archive


def page_payloads(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, bytes]]:
    """Every `pages` row as (url, html_bytes, payload read back from the archive), by URL."""
    folder = archive.archive_dir(con)
    rows = con.execute(
        "SELECT p.url, p.html_bytes, r.raw_hash, r.warc_file, r.warc_offset, r.warc_length"
        " FROM pages p JOIN raw_pages r USING (raw_hash) ORDER BY p.url, p.fetched_at"
    ).fetchall()
    return [
        (url, size, archive.read(folder, archive.Location(file, offset, length), digest))
        for url, size, digest, file, offset, length in rows
    ]


def archived_records(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every resource record in the archive's files, as (target URI, payload digest)."""
    found = []
    for path in sorted(archive.archive_dir(con).glob(f"*{archive.SUFFIX}")):
        with path.open("rb") as f:
            for record in ArchiveIterator(f):
                if record.rec_type == "resource":
                    headers = record.rec_headers
                    found.append(
                        (
                            headers.get_header("WARC-Target-URI"),
                            headers.get_header("WARC-Payload-Digest"),
                        )
                    )
    return found
