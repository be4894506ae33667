"""A fetched page as a WARC record: standard (warcio reads it), deterministic, and never
another page's bytes; whatever the server sent cannot break the record's header."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from wirehouse.errors import WarehouseError
from wirehouse.warc import payload_digest, raw_record, read_payload, warcinfo_record

AT = datetime(2026, 3, 30, 10, 15, 7, 123456, tzinfo=UTC)


def headers(data: bytes) -> dict[str, str]:
    record = next(iter(ArchiveIterator(BytesIO(data))))
    return dict(record.rec_headers.headers)


def test_a_page_is_one_gzip_member_holding_a_resource_record() -> None:
    body = "<html><body><p>Grüße, 東京</p></body></html>".encode()
    raw = raw_record("https://x.test/a?b=1&c=2", AT, "text/html; charset=utf-8", body)
    assert raw.payload_bytes == len(body) and raw.digest == payload_digest(body)
    assert gzip.decompress(raw.data).startswith(b"WARC/1.1\r\n")
    seen = headers(raw.data)
    assert seen["WARC-Type"] == "resource"
    assert seen["WARC-Target-URI"] == "https://x.test/a?b=1&c=2"
    assert seen["WARC-Date"] == "2026-03-30T10:15:07.123456Z"
    assert seen["Content-Type"] == "text/html; charset=utf-8"
    assert seen["WARC-Payload-Digest"] == seen["WARC-Block-Digest"] == raw.digest
    assert raw.digest.startswith("sha256:")
    assert read_payload(raw.data, raw.digest) == body


def test_the_same_fetch_gives_the_same_bytes_and_another_fetch_another_record_id() -> None:
    one = raw_record("https://x.test/a", AT, "text/html", b"<p>x</p>")
    assert raw_record("https://x.test/a", AT, "text/html", b"<p>x</p>") == one
    later = raw_record("https://x.test/a", AT.replace(second=8), "text/html", b"<p>x</p>")
    assert later.digest == one.digest  # the payload's key
    assert headers(later.data)["WARC-Record-ID"] != headers(one.data)["WARC-Record-ID"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html\r\nWARC-Type: response",
        "text/html\nX-Injected: 1",
        "text/html\x00\x1b[31m",
        "text/html\u2028\u0085",
        "\r\ntext/html",
        "",
        None,
    ],
)
def test_a_content_type_cannot_add_a_header(content_type: str | None) -> None:
    raw = raw_record("https://x.test/a", AT, content_type, b"<p>x</p>")
    seen = headers(raw.data)
    assert seen["WARC-Type"] == "resource"
    assert "X-Injected" not in seen and "WARC-Type: response" not in seen["Content-Type"]
    assert all(ch.isprintable() and ch.isascii() for ch in seen["Content-Type"])
    assert seen["Content-Type"].startswith(("text/html", "application/octet-stream"))
    assert read_payload(raw.data, raw.digest) == b"<p>x</p>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.test/a b", "https://x.test/a%20b"),
        ("https://x.test/a\r\nWARC-Type: response", "https://x.test/a%0D%0AWARC-Type:%20response"),
        ("https://x.test/caf\u00e9", "https://x.test/caf%C3%A9"),
        ("https://x.test/already%20encoded?q=%2F", "https://x.test/already%20encoded?q=%2F"),
    ],
)
def test_a_url_is_percent_encoded_into_a_uri(url: str, expected: str) -> None:
    seen = headers(raw_record(url, AT, "text/html", b"x").data)
    assert seen["WARC-Target-URI"] == expected
    assert seen["WARC-Type"] == "resource"


@given(st.binary(max_size=4096), st.text(max_size=60))
def test_any_payload_and_content_type_come_back_exactly(body: bytes, content_type: str) -> None:
    raw = raw_record("https://x.test/p", AT, content_type, body)
    assert read_payload(raw.data, raw.digest) == body


def test_a_damaged_or_misplaced_record_is_an_error_never_other_bytes() -> None:
    one = raw_record("https://x.test/1", AT, "text/html", b"<p>one</p>")
    two = raw_record("https://x.test/2", AT, "text/html", b"<p>two</p>")
    with pytest.raises(WarehouseError, match="does not hold"):
        read_payload(two.data, one.digest)
    with pytest.raises(WarehouseError):
        read_payload(one.data[: len(one.data) // 2], one.digest)
    with pytest.raises(WarehouseError, match="unreadable"):
        read_payload(b"", one.digest)
    with pytest.raises(WarehouseError):
        read_payload(b"\x1f\x8b" + b"\x00" * 40, one.digest)


def test_a_file_starts_with_a_warcinfo_record() -> None:
    record = next(iter(ArchiveIterator(BytesIO(warcinfo_record("wirehouse/0.1.0")))))
    assert record.rec_type == "warcinfo"
    assert b"software: wirehouse/0.1.0" in record.content_stream().read()
