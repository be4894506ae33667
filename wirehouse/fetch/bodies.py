"""Reading a response body under a size cap counted on DECOMPRESSED bytes.

httpx's own decoder inflates each network chunk in one go, so a 64 KB chunk of a gzip bomb
becomes ~64 MB in memory before anyone can count it. Here the raw bytes are inflated at most
`PIECE` bytes at a time, so memory stays bounded and the cap is exact.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

PIECE = 64 * 1024


class TooLarge(Exception):
    """The body is larger than the cap; the message says how we know."""


class BadEncoding(Exception):
    """The Content-Encoding is unsupported or the compressed data is corrupt."""


class _Inflater:
    """Incremental gzip/deflate decoder emitting at most `PIECE` bytes per step."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        wbits = 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._z = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self._z.eof:
            try:
                out = self._z.decompress(data, PIECE)
            except zlib.error as exc:
                if self._coding == "deflate" and not self._started:
                    # many servers send raw deflate although the spec says zlib-wrapped
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise BadEncoding(f"{self._coding}: {exc}") from exc
            self._started = True
            data = self._z.unconsumed_tail
            if out:
                yield out

    def finish(self) -> bytes:
        """Whatever output is left; a stream that stops before its end is an error."""
        try:
            tail = self._z.flush()
        except zlib.error as exc:
            raise BadEncoding(f"{self._coding}: {exc}") from exc
        if not self._z.eof:
            raise BadEncoding(f"{self._coding}: truncated")
        return tail


def _inflater(content_encoding: str | None) -> _Inflater | None:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater(codings[0])
    raise BadEncoding(f"unsupported {content_encoding}")


class _Capped:
    """Pieces gathered until they pass `cap` bytes."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._chunks: list[bytes] = []
        self._total = 0

    def add(self, piece: bytes) -> None:
        self._total += len(piece)
        if self._total > self._cap:
            raise TooLarge(f">{self._cap}")
        self._chunks.append(piece)

    def joined(self) -> bytes:
        return b"".join(self._chunks)


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The decoded body, or `TooLarge` as soon as it exceeds `cap` bytes."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"content_length={declared}")
    inflater = _inflater(response.headers.get("content-encoding"))
    body = _Capped(cap)
    async for raw in response.aiter_raw():
        for piece in inflater.feed(raw) if inflater else (raw,):
            body.add(piece)
    if inflater is not None:
        body.add(inflater.finish())
    return body.joined()


def gunzip_capped(data: bytes, cap: int) -> bytes:
    """A gzip file's content (a `.xml.gz` sitemap), or `TooLarge` past `cap` bytes: a gzip bomb
    costs `cap`, not gigabytes. Corrupt or truncated data is `BadEncoding`."""
    inflater = _Inflater("gzip")
    body = _Capped(cap)
    for piece in inflater.feed(data):
        body.add(piece)
    body.add(inflater.finish())
    return body.joined()


async def drain(response: httpx.Response, limit: int = PIECE) -> None:
    """Read and drop a small unwanted body (error page, redirect) so the connection is reused."""
    declared = response.headers.get("content-length", "").strip()
    if not declared.isdigit() or int(declared) > limit:
        return  # unknown or large: closing the connection is cheaper than reading it
    async for _ in response.aiter_raw():
        pass
