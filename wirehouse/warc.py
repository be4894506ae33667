"""Raw pages as WARC records (ISO 28500), the web archives' standard format.

A fetched page becomes one gzip-compressed `resource` record: its bytes as received, its URL,
fetch time and content type. Records are built in the extraction workers (the compression is
their CPU, not the loading process's) and appended to files by `warehouse.archive`. The key of
a payload is its `WARC-Payload-Digest`, sha256 (not WARC's customary sha1, whose collisions can
be made on purpose: one page must never pass for another's).
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from base64 import b32encode
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import quote

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.warcwriter import WARCWriter

from wirehouse.errors import WarehouseError
from wirehouse.records import RawRecord

# ISA-L's gzip at level 1 (of its 0-3): the same standard gzip as zlib level 1 at a quarter of
# the CPU, and smaller (0.15 against 0.62 ms a page, 19.1% against 19.7% of its size, on 400
# benchmark pages of 130 KB); compressing the pages is a worker's cost, and the workers are a
# run's bottleneck
GZIP_LEVEL = 1
# what a URI may hold as it is; anything else (a space, a control character that could end the
# header line, non-ASCII) is percent-encoded, and `%` stays so an encoded URL is not encoded twice
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"


def payload_digest(payload: bytes) -> str:
    """The WARC digest of a payload: `sha256:` and its base32 value."""
    return "sha256:" + b32encode(hashlib.sha256(payload).digest()).decode("ascii")


def raw_record(
    url: str, fetched_at: datetime, content_type: str | None, payload: bytes
) -> RawRecord:
    """`payload` fetched from `url` at `fetched_at` as one gzip-compressed resource record."""
    digest = payload_digest(payload)
    uri, date = quote(url, safe=_URI_SAFE), _warc_date(fetched_at)
    # the same fetch always gives the same record, so a page extracted twice (a worker retried,
    # `reextract`) yields identical bytes on one machine (ISA-L may compress differently on
    # another CPU; the archive keys records by their payload's digest, not their bytes)
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{uri} {date} {digest}")
    out = BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    record = writer.create_warc_record(
        uri,
        "resource",
        payload=BytesIO(payload),
        length=len(payload),
        warc_content_type=_header_value(content_type) or "application/octet-stream",
        warc_headers_dict={
            "WARC-Record-ID": f"<urn:uuid:{record_id}>",
            "WARC-Date": date,
            "WARC-Payload-Digest": digest,
            "WARC-Block-Digest": digest,  # a resource record's block is its payload
        },
    )
    writer.write_record(record)
    return RawRecord(digest, len(payload), _gzip_member(out.getvalue()))


def warcinfo_record(software: str) -> bytes:
    """The `warcinfo` record a new file starts with: what wrote it."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record("", {"software": software, "format": "WARC File Format 1.1"})
    )
    return _gzip_member(out.getvalue())


def read_payload(data: bytes, digest: str) -> bytes:
    """The payload of the one record in `data`, checked against its digest (a damaged or
    misplaced record is an error, never another page's bytes)."""
    try:
        record = next(iter(ArchiveIterator(BytesIO(data))))
        payload = record.content_stream().read()
    except (ArchiveLoadFailed, StopIteration, OSError, ValueError, EOFError, zlib.error) as exc:
        raise WarehouseError(f"unreadable WARC record for {digest}: {exc}") from exc
    if payload_digest(payload) != digest:
        raise WarehouseError(f"WARC record does not hold payload {digest} (damaged archive?)")
    return payload


def _gzip_member(data: bytes) -> bytes:
    """`data` as one gzip member: a `.warc.gz` file is such members end to end, one a record,
    so each record can be read alone from its offset (warcio's own writer compresses at 9)."""
    compressor = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, 16 + isal_zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _warc_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _header_value(value: str | None) -> str | None:
    """A header value's first line, printable ASCII only: what follows a line break is another
    header smuggled in (a server's content type is not ours to trust)."""
    lines = (value or "").strip().splitlines()
    cleaned = "".join(ch for ch in lines[0] if ch.isprintable() and ch.isascii()) if lines else ""
    return cleaned.strip() or None
