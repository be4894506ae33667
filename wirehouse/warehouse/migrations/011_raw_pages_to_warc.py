"""011: raw pages move out of DuckDB into the WARC archive (`warehouse.archive`).

Every stored payload is written as a record, read back and checked against its digest before
the blobs are dropped, all in the migration's transaction: if anything fails, the warehouse is
as it was (the records already written are left unused). Payloads are keyed by their WARC
digest from now on, so `pages.raw_hash` is re-pointed; payloads that were one before stay one.
"""

from __future__ import annotations

import zlib
from datetime import datetime

import duckdb

from wirehouse.records import RawRecord
from wirehouse.warc import raw_record
from wirehouse.warehouse import archive
from wirehouse.warehouse.connection import is_lake
from wirehouse.warehouse.migrate import for_ducklake

# payloads per step: bounds the memory a large warehouse needs to migrate (100 pages of the 5 MB
# size cap at worst, 10 MB for pages of a usual size)
CHUNK = 100

_NEW_TABLE = """
CREATE TABLE raw_pages_011 (
    raw_hash      VARCHAR PRIMARY KEY,             -- WARC-Payload-Digest: sha256:<base32>
    html_bytes    INTEGER NOT NULL,
    stored_at     TIMESTAMPTZ NOT NULL,
    warc_file     VARCHAR NOT NULL,                -- a file in the archive folder
    warc_offset   BIGINT NOT NULL,
    warc_length   BIGINT NOT NULL
)
"""

# each payload with the URL, type and time of its first page (the record's target and date)
_CHUNK_SQL = """
SELECT r.raw_hash, r.html_zlib, r.stored_at, p.url, p.content_type, p.fetched_at
FROM raw_pages r
LEFT JOIN (SELECT raw_hash, arg_min(url, fetched_at) AS url,
                  arg_min(content_type, fetched_at) AS content_type,
                  min(fetched_at) AS fetched_at
           FROM pages GROUP BY raw_hash) p USING (raw_hash)
WHERE r.raw_hash > ?
ORDER BY r.raw_hash
LIMIT ?
"""


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Move every blob of `raw_pages` into the archive and point the rows at it."""
    con.execute(for_ducklake(_NEW_TABLE) if is_lake(con) else _NEW_TABLE)
    con.execute("CREATE TEMP TABLE raw_keys_011 (old VARCHAR, new VARCHAR)")
    last = ""
    while rows := con.execute(_CHUNK_SQL, [last, CHUNK]).fetchall():
        folder = archive.archive_dir(con)  # only asked for when there is a page to move
        last = rows[-1][0]
        keys: list[tuple[str, str]] = []
        records: dict[str, RawRecord] = {}
        stored_at: dict[str, datetime] = {}
        for old, blob, stored, url, content_type, fetched_at in rows:
            payload = zlib.decompress(blob)
            record = raw_record(
                url or f"urn:x-wirehouse:raw:{old}", fetched_at or stored, content_type, payload
            )
            keys.append((old, record.digest))
            records.setdefault(record.digest, record)
            stored_at[record.digest] = min(stored, stored_at.get(record.digest, stored))
        present = {
            r[0]
            for r in con.execute(
                "SELECT raw_hash FROM raw_pages_011 WHERE raw_hash IN (SELECT unnest(?))",
                [list(records)],
            ).fetchall()
        }
        new = [r for digest, r in records.items() if digest not in present]
        locations = archive.write_records(folder, new)
        for record, where in zip(new, locations, strict=True):
            archive.read(folder, where, record.digest)  # raises unless the bytes came back
        con.executemany(
            "INSERT INTO raw_pages_011 VALUES (?, ?, ?, ?, ?, ?)",
            [
                [r.digest, r.payload_bytes, stored_at[r.digest], w.file, w.offset, w.length]
                for r, w in zip(new, locations, strict=True)
            ],
        )
        con.executemany("INSERT INTO raw_keys_011 VALUES (?, ?)", keys)
    con.execute(
        "UPDATE pages SET raw_hash = k.new FROM raw_keys_011 k WHERE pages.raw_hash = k.old"
    )
    con.execute("DROP TABLE raw_keys_011")
    con.execute("DROP TABLE raw_pages")
    con.execute("ALTER TABLE raw_pages_011 RENAME TO raw_pages")
