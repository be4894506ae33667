"""Sitemaps to entries: news sitemaps, ordinary `<urlset>`s, sitemap indexes, gzipped or not.

`parse_sitemap` is pure: one fetched document to a `ParsedSitemap` (its pages as `Entry`s, or
the sitemaps an index lists), never an exception. `read_sitemaps` walks an index under limits
(depth, number of sitemaps, URLs, a deadline) with a fetch function the caller gives, so this
stage needs no HTTP client of its own.

Safety, as for feeds (`xmlsafe`): DOCTYPE/ENTITY declarations are cut before parsing, and lxml
runs with no entity resolution, no network, no DTD and libxml2's size limits on (no
`huge_tree`), so neither a billion laughs nor an external entity is ever expanded. The parse is
incremental and drops each `<url>` once read. A gzipped body is inflated under a size cap.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import urllib.robotparser
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from wirehouse.feeds.dates import parse_feed_date
from wirehouse.feeds.parse import FUTURE_TOLERANCE, http_link
from wirehouse.feeds.xmlsafe import strip_dtd
from wirehouse.records import Entry, Fetched, FetchKind, Rejected, Stage
from wirehouse.urls import normalise_url

logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"

Fetch = Callable[[str, FetchKind], Awaitable[Fetched]]


@dataclass(frozen=True, slots=True)
class SitemapLimits:
    """How much one backfill may read, so a huge or hostile sitemap cannot swamp the run."""

    max_bytes: int  # one sitemap after gunzip
    max_urls: int  # pages taken from all sitemaps together
    max_sitemaps: int  # documents fetched, the robots.txt excepted
    max_depth: int  # index levels followed below the sitemap given
    deadline_s: float  # for the whole walk


@dataclass(frozen=True, slots=True)
class ParsedSitemap:
    """One sitemap document: its pages, or (an index) the sitemaps it lists.

    `children` pairs each listed sitemap with its `<lastmod>`. `error` is `not_a_sitemap: ...`,
    `malformed: ...` (with what was read before the fault kept) or `too_large: ...`."""

    url: str
    entries: tuple[Entry, ...] = ()
    children: tuple[tuple[str, datetime | None], ...] = ()
    error: str | None = None


@dataclass(slots=True)
class SitemapRead:
    """What a walk from one address found: the pages (one per URL), the fetches to record,
    the sitemaps read and what went wrong."""

    entries: list[Entry] = field(default_factory=list)
    fetches: list[Fetched] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    undated: int = 0  # pages with no date, kept whatever `since` says
    too_old: int = 0  # pages (or whole child sitemaps' worth) older than `since`


def parse_sitemap(fetched: Fetched, *, max_bytes: int, max_urls: int) -> ParsedSitemap:
    """Read a fetched sitemap; at most `max_urls` pages, `max_bytes` after decompression."""
    url = fetched.url
    body = fetched.body or b""
    if body.startswith(_GZIP_MAGIC):
        try:
            body = _gunzip(body, max_bytes)
        except _TooLarge:
            return ParsedSitemap(url, error=f"too_large: more than {max_bytes} bytes unzipped")
        except zlib.error as exc:
            return ParsedSitemap(url, error=f"malformed: gzip: {exc}")
    if len(body) > max_bytes:
        return ParsedSitemap(url, error=f"too_large: {len(body)} bytes")
    if not body.strip():
        return ParsedSitemap(url, error="not_a_sitemap: empty body")
    cleaned = strip_dtd(body)
    if cleaned is None:
        return ParsedSitemap(url, error="malformed: refused nested document type declarations")
    return _read(cleaned, url=url, base_url=fetched.final_url, now=fetched.fetched_at, cap=max_urls)


def sitemaps_in_robots(fetched: Fetched) -> list[str]:
    """The `Sitemap:` lines of a fetched robots.txt, in file order."""
    if not fetched.ok or fetched.body is None:
        return []
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
    found = parser.site_maps() or []
    return [link for raw in found if (link := http_link(raw, fetched.final_url))]


def is_site_address(url: str) -> bool:
    """A bare site (`https://example.org/`): its sitemaps are found through its robots.txt."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


async def read_sitemaps(
    start: str, fetch: Fetch, *, limits: SitemapLimits, since: datetime | None = None
) -> SitemapRead:
    """Walk the sitemaps of `start` (a sitemap, an index, or a site's address) breadth first.

    Each page becomes an `Entry` whose `feed_url` is `start`, so that later runs of the same
    backfill retry its pages whatever the index lists by then. With `since`, pages dated before
    it are dropped, and so are child sitemaps whose `<lastmod>` is before it (nothing in them
    changed since); undated pages are kept, as their age is unknown until their page is read.
    Anything past the limits or the deadline is left out and recorded as a rejection."""
    read = SitemapRead()
    seen_pages: set[str] = set()
    started = time.monotonic()
    try:
        async with asyncio.timeout(limits.deadline_s):
            queue = deque((url, 0) for url in await _first_sitemaps(start, fetch, read))
            visited = {url for url, _ in queue}
            while queue:
                url, depth = queue.popleft()
                room = limits.max_urls - len(read.entries)
                if len(read.sitemaps) >= limits.max_sitemaps or room <= 0:
                    limit = "sitemap_limit" if room > 0 else "url_limit"
                    read.rejected.append(
                        Rejected(Stage.FEED, url, f"{limit}: {len(queue) + 1} more not read")
                    )
                    break
                parsed = await _fetch_one(url, fetch, read, limits, room)
                if parsed is None:
                    continue
                for entry in parsed.entries:
                    if entry.url_key in seen_pages:
                        continue
                    seen_pages.add(entry.url_key)
                    when = entry.published_at or entry.updated_at
                    if when is None:
                        read.undated += 1
                    elif since is not None and when < since:
                        read.too_old += 1
                        continue
                    read.entries.append(replace(entry, feed_url=start))
                for child, lastmod in parsed.children:
                    if child in visited:
                        continue
                    visited.add(child)
                    if since is not None and lastmod is not None and lastmod < since:
                        read.too_old += 1
                    elif depth + 1 > limits.max_depth:
                        read.rejected.append(Rejected(Stage.FEED, child, "sitemap_too_deep"))
                    else:
                        queue.append((child, depth + 1))
    except TimeoutError:
        waited = time.monotonic() - started
        read.rejected.append(
            Rejected(Stage.FEED, start, f"sitemap_deadline: stopped after {waited:.0f} s")
        )
    return read


async def _first_sitemaps(start: str, fetch: Fetch, read: SitemapRead) -> list[str]:
    """`start` itself, or for a site's address the sitemaps its robots.txt names (else the
    conventional /sitemap.xml)."""
    if not is_site_address(start):
        return [start]
    robots = await fetch(urljoin(start, "/robots.txt"), FetchKind.ROBOTS)
    read.fetches.append(robots)
    return sitemaps_in_robots(robots) or [urljoin(start, "/sitemap.xml")]


async def _fetch_one(
    url: str, fetch: Fetch, read: SitemapRead, limits: SitemapLimits, room: int
) -> ParsedSitemap | None:
    fetched = await fetch(url, FetchKind.FEED)
    read.fetches.append(fetched)
    read.sitemaps.append(url)
    if not fetched.ok or fetched.body is None:
        read.rejected.append(Rejected(Stage.FEED, url, fetched.error or f"http_{fetched.status}"))
        return None
    # lxml is linear and capped here; a thread keeps the event loop (other fetches) moving
    parsed = await asyncio.to_thread(
        parse_sitemap, fetched, max_bytes=limits.max_bytes, max_urls=max(0, room)
    )
    if parsed.error:
        logger.info("sitemap %s: %s", url, parsed.error)
        read.rejected.append(Rejected(Stage.FEED, url, parsed.error))
    return parsed


class _TooLarge(Exception):
    pass


def _gunzip(data: bytes, cap: int) -> bytes:
    """`data` inflated, stopping at `cap` + 1 bytes: a gzip bomb costs `cap`, not gigabytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, cap + 1)
    if len(out) > cap or inflater.unconsumed_tail:
        raise _TooLarge
    if not inflater.eof:
        raise zlib.error("truncated")
    return out


def _local(tag: object) -> str:
    """An element's name without its namespace (publishers get the namespaces wrong)."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _read(data: bytes, *, url: str, base_url: str, now: datetime, cap: int) -> ParsedSitemap:
    entries: list[Entry] = []
    children: list[tuple[str, datetime | None]] = []
    latest = now + FUTURE_TOLERANCE
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )
    root: str | None = None
    error: str | None = None
    try:
        for event, element in events:
            if root is None:
                root = _local(element.tag)
                if root not in ("urlset", "sitemapindex"):
                    return ParsedSitemap(url, error=f"not_a_sitemap: root element <{root[:40]}>")
                continue
            if event != "end" or element.getparent() is None:
                continue
            name = _local(element.tag)
            if root == "urlset" and name == "url":
                if len(entries) >= cap:
                    error = f"url_limit: more than {cap} pages, the rest not read"
                    break
                entry = _entry(element, feed_url=url, base_url=base_url, latest=latest)
                if entry is not None:
                    entries.append(entry)
            elif root == "sitemapindex" and name == "sitemap":
                fields = _fields(element)
                link = http_link(fields.get("loc"), base_url)
                if link is not None:
                    children.append((link, _date(fields.get("lastmod"), latest)))
            else:
                continue
            element.clear()
            while element.getprevious() is not None:  # drop what is read: memory stays flat
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        # the exception's own text is often a generic "no element found"; the log says why
        fatal = exc.error_log.filter_from_fatals()
        detail = fatal[-1].message if fatal else str(exc)
        error = f"malformed: {' '.join(detail.split())[:200]}"
        if root is None:
            error = f"not_a_sitemap: {error}"
    return ParsedSitemap(url, entries=tuple(entries), children=tuple(children), error=error)


def _fields(element: etree._Element) -> dict[str, str]:
    """The text of each direct or `news:news`/`news:publication` child, by local name."""
    out: dict[str, str] = {}
    for child in _descendants(element):
        name = _local(child.tag)
        text = (child.text or "").strip()
        if name and text and name not in out:
            out[name] = text
    return out


def _descendants(element: etree._Element) -> Iterator[etree._Element]:
    for child in element:
        yield child
        if _local(child.tag) in ("news", "publication"):
            yield from _descendants(child)


def _entry(
    element: etree._Element, *, feed_url: str, base_url: str, latest: datetime
) -> Entry | None:
    fields = _fields(element)
    link = http_link(fields.get("loc"), base_url)
    if link is None:
        return None
    try:
        url_key = normalise_url(link)
    except ValueError:
        return None
    keywords = fields.get("keywords", "")
    return Entry(
        feed_url=feed_url,
        url=link,
        url_key=url_key,
        guid=None,
        title=fields.get("title"),
        published_at=_date(fields.get("publication_date"), latest),
        updated_at=_date(fields.get("lastmod"), latest),
        tags=tuple(k.strip() for k in keywords.split(",") if k.strip()),
        feed_title=fields.get("name"),
    )


def _date(raw: str | None, latest: datetime) -> datetime | None:
    """A W3C datetime as aware UTC; None when missing, unreadable or in the future."""
    value = parse_feed_date(raw)
    return value if value is not None and value <= latest else None
