"""Fetcher basics against a real loopback server: success, 304, headers, timeouts, size caps."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib
from datetime import UTC

import httpx
import pytest

from devkit.ports import free_port
from wirehouse.fetch import Fetcher
from wirehouse.fetch.bodies import TooLarge, read_capped
from wirehouse.records import Fetched, FetchKind

FEED = b"<?xml version='1.0'?><rss><channel><title>t</title></channel></rss>"


def fetch(fetcher_args: dict[str, object], url: str, **kwargs: object) -> Fetched:
    """Run one fetch with a fresh Fetcher (its own event loop)."""

    async def go() -> Fetched:
        async with Fetcher(**fetcher_args) as fetcher:  # type: ignore[arg-type]
            return await fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_200_then_conditional_304(server, http_settings):
    @server.route("/feed")
    def feed(h):
        if h.headers.get("If-None-Match") == '"v1"':
            h.reply(304, headers={"ETag": '"v1"'})
        else:
            h.reply(
                200,
                FEED,
                {
                    "Content-Type": "application/rss+xml",
                    "ETag": '"v1"',
                    "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
                },
            )

    args = {"settings": http_settings(), "operator_hosts": [server.netloc]}

    async def go() -> tuple[Fetched, Fetched]:
        async with Fetcher(**args) as fetcher:  # type: ignore[arg-type]
            first = await fetcher.fetch(server.url("/feed"), kind=FetchKind.FEED)
            second = await fetcher.fetch(
                server.url("/feed"),
                kind=FetchKind.FEED,
                etag=first.etag,
                last_modified=first.last_modified,
            )
            return first, second

    first, second = asyncio.run(go())
    assert first.ok and first.status == 200 and first.body == FEED
    assert first.etag == '"v1"' and first.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert first.content_type == "application/rss+xml"
    assert first.fetched_at.tzinfo is UTC and first.elapsed_ms > 0
    assert first.final_url == server.url("/feed") and first.kind is FetchKind.FEED

    assert second.status == 304 and second.not_modified
    assert second.body is None and second.error is None
    # the 304 sent the ETag back but no Last-Modified: the one we sent still holds
    assert second.etag == '"v1"' and second.last_modified == first.last_modified

    plain, conditional = server.hits("/feed")
    assert "wirehouse/0.1" in plain.headers["user-agent"]
    assert plain.headers["accept"].startswith("application/rss+xml, application/atom+xml")
    assert plain.headers["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in plain.headers
    assert conditional.headers["if-none-match"] == '"v1"'
    assert conditional.headers["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_page_accept_header_and_http_error(server, http_settings):
    server.routes["/gone"] = lambda h: h.reply(410, b"gone")
    result = fetch(
        {"settings": http_settings(), "operator_hosts": [server.netloc]},
        server.url("/gone"),
        kind=FetchKind.PAGE,
    )
    assert result.status == 410 and result.error == "http_410" and result.body is None
    assert server.hits("/gone")[0].headers["accept"].startswith("text/html")


def test_silent_server_times_out_on_read(server, http_settings):
    server.routes["/silent"] = lambda h: h.server.owner.stopping.wait(5)
    started = time.monotonic()
    result = fetch(
        {"settings": http_settings(read_timeout_s=0.3), "operator_hosts": [server.netloc]},
        server.url("/silent"),
        kind=FetchKind.FEED,
    )
    assert result.error == "timeout:read" and result.status is None and result.body is None
    assert time.monotonic() - started < 2


def trickle(h):
    """Headers at once, then one byte every 0.2 s: never silent long enough for a read timeout."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    while not h.server.owner.stopping.wait(0.2):
        h.wfile.write(b"x")
        h.wfile.flush()


def test_trickling_server_hits_total_deadline(server, http_settings):
    server.routes["/trickle"] = trickle
    settings = http_settings(read_timeout_s=1.0, total_timeout_s=0.7)
    started = time.monotonic()
    result = fetch(
        {"settings": settings, "operator_hosts": [server.netloc]},
        server.url("/trickle"),
        kind=FetchKind.PAGE,
    )
    took = time.monotonic() - started
    assert result.error == "timeout:total" and result.body is None
    assert 0.6 < took < 2


def test_connection_refused_is_a_value(http_settings):
    port = free_port()
    result = fetch(
        {"settings": http_settings(), "operator_hosts": [f"127.0.0.1:{port}"]},
        f"http://127.0.0.1:{port}/feed",
        kind=FetchKind.FEED,
    )
    assert result.error is not None and result.error.startswith("connect_error:")
    assert result.status is None


def test_bad_urls_are_values(http_settings):
    settings = http_settings()
    for url, reason in [
        ("ftp://example.org/feed", "unsupported_scheme:ftp"),
        ("file:///etc/passwd", "unsupported_scheme:file"),
        ("http://", "bad_url"),
        ("not a url at all", "unsupported_scheme"),
    ]:
        result = fetch({"settings": settings}, url, kind=FetchKind.FEED)
        assert result.error is not None and result.error.startswith(reason), (url, result.error)
        assert result.status is None and result.body is None


def test_size_cap_plain_bodies(server, http_settings):
    def no_length(h):
        h.send_response(200)
        h.end_headers()  # HTTP/1.0, no Content-Length: the body ends when the server closes
        h.wfile.write(b"a" * 5000)

    server.routes["/big"] = no_length
    server.routes["/declared"] = lambda h: h.reply(200, b"a" * 5000)
    server.routes["/exact"] = lambda h: h.reply(200, b"a" * 1000)
    args = {"settings": http_settings(page_max_bytes=1000), "operator_hosts": [server.netloc]}

    big = fetch(args, server.url("/big"), kind=FetchKind.PAGE)
    assert big.error == "too_large:>1000" and big.body is None and big.status == 200
    declared = fetch(args, server.url("/declared"), kind=FetchKind.PAGE)
    assert declared.error == "too_large:content_length=5000"
    exact = fetch(args, server.url("/exact"), kind=FetchKind.PAGE)
    assert exact.ok and exact.size == 1000
    # the feed cap is separate from the page cap
    feed = fetch(args, server.url("/declared"), kind=FetchKind.FEED)
    assert feed.ok and feed.size == 5000


def test_gzip_bomb_is_cut_with_bounded_memory(server, http_settings):
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    server.routes["/bomb"] = lambda h: h.reply(200, bomb, {"Content-Encoding": "gzip"})
    args = {"settings": http_settings(page_max_bytes=1_000_000), "operator_hosts": [server.netloc]}

    tracemalloc.start()
    try:
        result = fetch(args, server.url("/bomb"), kind=FetchKind.PAGE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == "too_large:>1000000" and result.body is None
    assert peak < 15_000_000  # the cap plus a few pieces, not a decompressed network chunk


def test_gzip_and_deflate_bodies_are_decoded(server, http_settings):
    text = b"<html><body>" + b"news " * 2000 + b"</body></html>"
    server.routes["/gz"] = lambda h: h.reply(200, gzip.compress(text), {"Content-Encoding": "gzip"})
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = raw_deflate.compress(text) + raw_deflate.flush()
    server.routes["/raw"] = lambda h: h.reply(200, raw, {"Content-Encoding": "deflate"})
    server.routes["/zlib"] = lambda h: h.reply(
        200, zlib.compress(text), {"Content-Encoding": "deflate"}
    )
    server.routes["/br"] = lambda h: h.reply(200, b"??", {"Content-Encoding": "br"})
    corrupt = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 20
    server.routes["/corrupt"] = lambda h: h.reply(200, corrupt, {"Content-Encoding": "gzip"})
    truncated = gzip.compress(text)[:-30]
    server.routes["/truncated"] = lambda h: h.reply(200, truncated, {"Content-Encoding": "gzip"})
    args = {"settings": http_settings(), "operator_hosts": [server.netloc]}
    for path in ("/gz", "/raw", "/zlib"):
        result = fetch(args, server.url(path), kind=FetchKind.PAGE)
        assert result.ok and result.body == text, path
    for path in ("/br", "/corrupt", "/truncated"):
        result = fetch(args, server.url(path), kind=FetchKind.PAGE)
        assert result.error is not None and result.error.startswith("decoding_error:"), path


def test_read_capped_unit_with_mock_response():
    async def go(body: bytes, cap: int) -> bytes:
        headers = {"Content-Encoding": "gzip"}
        response = httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)
        return await read_capped(response, cap)

    payload = b"y" * 300_000
    assert asyncio.run(go(gzip.compress(payload), 300_000)) == payload
    with pytest.raises(TooLarge):
        asyncio.run(go(gzip.compress(payload), 299_999))


def test_closed_fetcher_refuses_use(http_settings):
    async def go() -> None:
        fetcher = Fetcher(http_settings())
        await fetcher.aclose()
        await fetcher.aclose()  # idempotent
        try:
            await fetcher.fetch("http://example.org/", kind=FetchKind.PAGE)
        except RuntimeError:
            return
        raise AssertionError("closed fetcher fetched")

    asyncio.run(go())
