"""Sitemaps to entries: news sitemaps, ordinary `<urlset>`s and sitemap indexes.

`parse_sitemap` is pure: one fetched document to a `ParsedSitemap` (its pages as `Entry`s, or
the sitemaps an index lists), never an exception. `read_sitemaps` walks an index under limits
(depth, number of sitemaps, URLs, a deadline) with the fetch functions the caller gives, so this
stage needs no HTTP client of its own (the fetcher inflates a gzipped sitemap under its cap).

Safety, as for feeds (`xmlsafe`): DOCTYPE/ENTITY declarations are cut before parsing, and lxml
runs with no entity resolution, no network, no DTD and libxml2's size limits on (no
`huge_tree`), so neither a billion laughs nor an external entity is ever expanded. The parse is
incremental and drops each `<url>` once read.

As the protocol says, a sitemap lists pages of its own site: a `<loc>` or child sitemap on
another host than the sitemap's or the address given is left out (`off_site`).
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import urllib.robotparser
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from urllib.parse import urljoin, urlsplit

from lxml import etree

from wirehouse.config.feedlist import local_name
from wirehouse.feeds.dates import parse_feed_date
from wirehouse.feeds.parse import FUTURE_TOLERANCE, http_link
from wirehouse.feeds.xmlsafe import strip_dtd
from wirehouse.records import Entry, Fetched, Rejected, Stage, is_deferral
from wirehouse.urls import normalise_url

logger = logging.getLogger(__name__)

# a sitemap, fetched decompressed under the caller's size cap
Fetch = Callable[[str], Awaitable[Fetched]]
# the `Sitemap:` lines of a site's robots.txt (`sitemaps_in_robots`), fetched by the caller
RobotsSitemaps = Callable[[str], Awaitable[list[str]]]
_URL_LIMIT = "url_limit"  # a sitemap read in part, the walk stopped: not a failure
# whether the walk takes a page (not listed before, not older than `since`)
Keep = Callable[[Entry], bool]


@dataclass(frozen=True, slots=True)
class SitemapLimits:
    """How much one backfill may read, so a huge or hostile sitemap cannot swamp the run."""

    max_bytes: int  # one sitemap after gunzip (the caller's fetch applies it; parsing checks)
    max_urls: int  # pages taken from all sitemaps together
    max_sitemaps: int  # documents fetched, the robots.txt excepted
    max_depth: int  # index levels followed below the sitemap given
    deadline_s: float  # for the whole walk


@dataclass(frozen=True, slots=True)
class ParsedSitemap:
    """One sitemap document: its pages, or (an index) the sitemaps it lists.

    `children` pairs each listed sitemap with its `<lastmod>`. `error` is `not_a_sitemap: ...`,
    `malformed: ...` (with what was read before the fault kept), `too_large: ...` or
    `url_limit: ...`. `off_site` counts links left out for being on another site."""

    url: str
    entries: tuple[Entry, ...] = ()
    children: tuple[tuple[str, datetime | None], ...] = ()
    error: str | None = None
    off_site: int = 0


@dataclass(slots=True)
class SitemapRead:
    """What a walk from one address found: the pages (one per URL), the fetches to record,
    the sitemaps read, those that failed (not fetched, or not read to their end for a fault of
    theirs; a host's deferral is none) and what went wrong (failures, deferrals, and what the
    limits left out)."""

    entries: list[Entry] = field(default_factory=list)
    fetches: list[Fetched] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    undated: int = 0  # pages with no date, kept whatever `since` says
    too_old: int = 0  # pages (or whole child sitemaps' worth) older than `since`


def parse_sitemap(
    fetched: Fetched,
    *,
    max_bytes: int,
    max_urls: int,
    keep: Keep | None = None,
    site: str | None = None,
    zone: tzinfo = UTC,
) -> ParsedSitemap:
    """Read a fetched (decompressed) sitemap: at most `max_urls` pages that `keep` takes.

    Links are kept on the sitemap's own host or `site`'s (a URL: the address the walk began
    at); dates without a zone are read in `zone`."""
    url = fetched.url
    body = fetched.body or b""
    if len(body) > max_bytes:
        return ParsedSitemap(url, error=f"too_large: {len(body)} bytes")
    if not body.strip():
        return ParsedSitemap(url, error="not_a_sitemap: empty body")
    cleaned = strip_dtd(body)
    if cleaned is None:
        return ParsedSitemap(url, error="malformed: refused nested document type declarations")
    sites = {bare_host(fetched.final_url), bare_host(url)} | ({bare_host(site)} if site else set())
    sites.discard("")
    return _Reader(
        base_url=fetched.final_url,
        latest=fetched.fetched_at + FUTURE_TOLERANCE,
        sites=sites,
        keep=keep,
        zone=zone,
    ).read(cleaned, url=url, cap=max_urls)


def sitemaps_in_robots(rules: urllib.robotparser.RobotFileParser | None, url: str) -> list[str]:
    """The `Sitemap:` lines of a parsed robots.txt (at `url`), in file order, made absolute."""
    found = (rules.site_maps() if rules is not None else None) or []
    return [link for raw in found if (link := http_link(raw, url))]


def is_site_address(url: str) -> bool:
    """A bare site (`https://example.org/`): its sitemaps are found through its robots.txt."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


async def read_sitemaps(
    start: str,
    fetch: Fetch,
    robots: RobotsSitemaps,
    *,
    limits: SitemapLimits,
    since: datetime | None = None,
    zone: tzinfo = UTC,
) -> SitemapRead:
    """Walk the sitemaps of `start` (a sitemap, an index, or a site's address) breadth first.

    Each page becomes an `Entry` whose `feed_url` is `start`, so that later runs of the same
    backfill retry its pages whatever the index lists by then. With `since`, pages dated before
    it are dropped as they are read (they do not count against `max_urls`), and so are child
    sitemaps whose `<lastmod>` is before it (nothing in them changed since); the other children
    are read newest first. Undated pages are kept, as their age is unknown until their page is
    read. Anything past the limits or the deadline is left out and recorded as a rejection."""
    read = SitemapRead()
    seen_pages: set[str] = set()
    started = time.monotonic()

    def keep(entry: Entry) -> bool:
        if entry.url_key in seen_pages:
            return False
        seen_pages.add(entry.url_key)
        when = _dated(entry)
        if since is not None and when is not None and when < since:
            read.too_old += 1
            return False
        return True

    try:
        async with asyncio.timeout(limits.deadline_s):
            queue = deque((url, 0) for url in await _first_sitemaps(start, robots))
            visited = {url for url, _ in queue}
            while queue:
                url, depth = queue.popleft()
                room = limits.max_urls - len(read.entries)
                if len(read.sitemaps) >= limits.max_sitemaps or room <= 0:
                    limit = "sitemap_limit" if room > 0 else _URL_LIMIT
                    read.rejected.append(
                        Rejected(Stage.FEED, url, f"{limit}: {len(queue) + 1} more not read")
                    )
                    break
                fetched = await fetch(url)
                read.fetches.append(fetched)
                read.sitemaps.append(url)
                if not fetched.ok or fetched.body is None:
                    reason = fetched.error or f"http_{fetched.status}"
                    read.rejected.append(Rejected(Stage.FEED, url, reason))
                    if not is_deferral(reason):  # a host's pause is no fault of its own
                        read.failed.append(url)
                    continue
                # lxml is linear and capped here; a thread keeps the event loop moving
                parsed = await asyncio.to_thread(
                    parse_sitemap,
                    fetched,
                    max_bytes=limits.max_bytes,
                    max_urls=room,
                    keep=keep,
                    site=start,
                    zone=zone,
                )
                for problem in _problems(parsed):
                    logger.info("sitemap %s: %s", url, problem)
                    read.rejected.append(Rejected(Stage.FEED, url, problem))
                if parsed.error and not parsed.error.startswith(_URL_LIMIT):
                    read.failed.append(url)
                read.entries.extend(replace(e, feed_url=start) for e in parsed.entries)
                read.undated += sum(1 for e in parsed.entries if not _dated(e))
                children = [(c, m) for c, m in parsed.children if c not in visited]
                visited.update(c for c, _ in children)
                for child, lastmod in _newest_first(children):
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


async def _first_sitemaps(start: str, robots: RobotsSitemaps) -> list[str]:
    """`start` itself, or for a site's address the sitemaps its robots.txt names (else the
    conventional /sitemap.xml)."""
    if not is_site_address(start):
        return [start]
    return await robots(start) or [urljoin(start, "/sitemap.xml")]


def _problems(parsed: ParsedSitemap) -> list[str]:
    problems = [parsed.error] if parsed.error else []
    if parsed.off_site:
        problems.append(f"off_site: {parsed.off_site} links to other sites left out")
    return problems


def _newest_first(
    children: list[tuple[str, datetime | None]],
) -> list[tuple[str, datetime | None]]:
    """An index's children by `<lastmod>`, newest first, undated ones after them in order
    (generators often list the oldest first, and the URL cap would take those)."""
    dated = sorted(((c, m) for c, m in children if m is not None), key=lambda c: c[1], reverse=True)
    return [*dated, *((c, m) for c, m in children if m is None)]


def _dated(entry: Entry) -> datetime | None:
    return entry.published_at or entry.updated_at


def bare_host(url: str) -> str:
    """A URL's host as `normalise_url` spells it (lower case, IDNA, no trailing dot), without a
    leading `www.`: a sitemap's links stay on it; "" when `url` is no http(s) URL."""
    try:
        return _bare_host_of_key(normalise_url(url))
    except ValueError:
        return ""


def _bare_host_of_key(url_key: str) -> str:
    """`bare_host` a URL already normalised (an entry's `url_key`)."""
    return (urlsplit(url_key).hostname or "").removeprefix("www.")


@dataclass(frozen=True, slots=True)
class _Reader:
    """How one sitemap document is read: links resolved against `base_url`, kept on `sites`,
    dates up to `latest` read in `zone`, pages filtered by `keep`."""

    base_url: str
    latest: datetime
    sites: set[str]
    keep: Keep | None
    zone: tzinfo

    def read(self, data: bytes, *, url: str, cap: int) -> ParsedSitemap:
        entries: list[Entry] = []
        children: list[tuple[str, datetime | None]] = []
        off_site = 0
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
                    root = local_name(element.tag)
                    if root not in ("urlset", "sitemapindex"):
                        error = f"not_a_sitemap: root element <{root[:40]}>"
                        return ParsedSitemap(url, error=error)
                    continue
                if event != "end" or element.getparent() is None:
                    continue
                name = local_name(element.tag)
                if root == "urlset" and name == "url":
                    entry = self._entry(element, feed_url=url)
                    if entry is not None and _bare_host_of_key(entry.url_key) not in self.sites:
                        off_site += 1
                    elif entry is not None and (self.keep is None or self.keep(entry)):
                        if len(entries) >= cap:
                            error = f"{_URL_LIMIT}: more than {cap} pages, the rest not read"
                            break
                        entries.append(entry)
                elif root == "sitemapindex" and name == "sitemap":
                    fields = _fields(element)
                    link = http_link(fields.get("loc"), self.base_url)
                    if link is not None and bare_host(link) not in self.sites:
                        off_site += 1
                    elif link is not None:
                        children.append((link, self._date(fields.get("lastmod"))))
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
        return ParsedSitemap(
            url, entries=tuple(entries), children=tuple(children), error=error, off_site=off_site
        )

    def _entry(self, element: etree._Element, *, feed_url: str) -> Entry | None:
        fields = _fields(element)
        link = http_link(fields.get("loc"), self.base_url)
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
            published_at=self._date(fields.get("publication_date")),
            updated_at=self._date(fields.get("lastmod")),
            tags=tuple(k.strip() for k in keywords.split(",") if k.strip()),
            feed_title=fields.get("name"),
        )

    def _date(self, raw: str | None) -> datetime | None:
        """A W3C datetime as aware UTC; None when missing, unreadable or in the future."""
        value = parse_feed_date(raw, zone=self.zone)
        return value if value is not None and value <= self.latest else None


def _fields(element: etree._Element) -> dict[str, str]:
    """The text of each direct or `news:news`/`news:publication` child, by local name."""
    out: dict[str, str] = {}
    for child in _descendants(element):
        name = local_name(child.tag)
        text = (child.text or "").strip()
        if name and text and name not in out:
            out[name] = text
    return out


def _descendants(element: etree._Element) -> Iterator[etree._Element]:
    for child in element:
        yield child
        if local_name(child.tag) in ("news", "publication"):
            yield from _descendants(child)
