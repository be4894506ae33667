"""A fetched feed document to a `ParsedFeed`: entries with resolved, normalised links.

Pure: no network, no clock except the fetch time passed in. Every input gives a result, never
an exception, because one publisher's broken feed must not stop a run. `ParsedFeed.error` is:

- None: a recognised RSS/Atom/RDF document. A valid feed with no entries is not an error
  (news feeds do empty out); a charset that had to be guessed is logged, not reported.
- `malformed: <detail>`: the XML was broken (feedparser's bozo); the entries that could still
  be read are returned.
- `not_a_feed: <detail>`: no feed at all (an HTML page, JSON, empty or binary body).

Entries without a usable http(s) link are skipped; within one document the first of several
entries with the same guid or the same normalised link wins.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import time
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import repeat
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
from feedparser.encodings import convert_to_utf8

from wirehouse.escape import plain_text
from wirehouse.feeds.dates import parse_feed_date
from wirehouse.feeds.text import html_to_text
from wirehouse.feeds.xmlsafe import strip_dtd
from wirehouse.records import Entry, Fetched, ParsedFeed, SourceRules
from wirehouse.urls import normalise_url, site_of, web_url

logger = logging.getLogger(__name__)

# a feed date further ahead of the fetch than this is a publisher's bug, not a schedule
FUTURE_TOLERANCE = timedelta(days=1)
_SY_PERIOD_MINUTES = {
    "hourly": 60,
    "daily": 1440,
    "weekly": 10080,
    "monthly": 43200,
    "yearly": 525600,
}
_MAX_TTL_MINUTES = 525600
_LEGACY_SINGLE_BYTE = frozenset({"latin_1", "cp1252", "ascii", "iso8859_15"})
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
_LINK_SCHEMES = ("http", "https")


def parse_feed(fetched: Fetched, rules: SourceRules | None = None) -> ParsedFeed:
    """Parse the body of a feed fetch, using its headers for charset and the base URL.

    `rules` are the feed list's for this feed (see `parse_feed_bytes`)."""
    return parse_feed_bytes(
        fetched.body or b"",
        url=fetched.url,
        content_type=fetched.content_type,
        final_url=fetched.final_url,
        now=fetched.fetched_at,
        rules=rules,
    )


def parse_feed_bytes(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    final_url: str | None = None,
    now: datetime | None = None,
    rules: SourceRules | None = None,
) -> ParsedFeed:
    """Parse raw feed bytes: `url` names the feed, `final_url` (default `url`) resolves links.

    `now` (default: the current time) is the reference for dropping dates in the future.
    `rules` (the feed list's for this feed; default none) are stamped on every entry, here
    where the entries are made, so everything downstream (triage's pending articles,
    extraction) has them; their `timezone` is the zone of dates written without one.
    """
    base_url = final_url or url
    reference = _aware(now) if now is not None else datetime.now(UTC)
    if not body.strip():
        return ParsedFeed(
            feed_url=url, title=None, site_url=None, entries=(), error="not_a_feed: empty body"
        )
    try:
        result, encoding_problem = _run_feedparser(
            body, content_type=content_type, base_url=base_url
        )
    except _RefusedDocument as exc:
        return ParsedFeed(
            feed_url=url, title=None, site_url=None, entries=(), error=f"malformed: {exc}"
        )
    except Exception as exc:  # a third-party parser on hostile bytes: contain anything
        logger.warning("feedparser crashed on %s: %r", url, exc)
        return ParsedFeed(
            feed_url=url,
            title=None,
            site_url=None,
            entries=(),
            error=f"malformed: parser crashed: {type(exc).__name__}",
        )
    if encoding_problem:
        logger.info("feed %s: %s", url, encoding_problem)

    # plain dicts: FeedParserDict maps some keys to others ("updated" silently falls back to
    # "published" with a DeprecationWarning), and the raw fields are what is wanted here
    feed: Mapping[str, Any] = dict(result.get("feed") or {})
    site_url = http_link(feed.get("link"), base_url)
    entries, unlinked = _entries(
        result.get("entries", []),
        feed_url=url,
        base_url=base_url,
        now=reference,
        rules=rules or SourceRules(),
        feed_title=_title(feed),
        own_sites={site_of(u) for u in (url, site_url) if u},
    )
    version = result.get("version") or ""
    error = _classify(result, version=version, has_entries=bool(entries), body=body)
    if error:
        logger.info("feed %s: %s (%d entries kept)", url, error, len(entries))
    return ParsedFeed(
        feed_url=url,
        title=_title(feed),
        site_url=site_url,
        entries=tuple(entries),
        error=error,
        ttl_minutes=_ttl_minutes(feed),
        unlinked=unlinked,
    )


class _RefusedDocument(Exception):
    """The document was refused before parsing (hostile declarations)."""


def _run_feedparser(
    body: bytes, *, content_type: str | None, base_url: str
) -> tuple[Mapping[str, Any], str | None]:
    """feedparser on a decoded, DTD-free copy of the body; returns (result, encoding problem).

    Decoding is feedparser's own (`convert_to_utf8`, driven by the response headers) run ahead
    of `feedparser.parse`, so the DTD can be cut from UTF-8 bytes whatever the original charset
    (UTF-16 included); `parse` then gets UTF-8 declared as such. The body is wrapped in BytesIO:
    `feedparser.parse(bytes)` would first try the bytes as a local file name.
    """
    headers = {
        "content-type": _effective_content_type(body, content_type),
        "content-location": base_url,
    }
    decoded_state: dict[str, Any] = {}
    utf8 = convert_to_utf8(headers, body, decoded_state)
    problem = decoded_state.get("bozo_exception")
    cleaned = strip_dtd(utf8)
    if cleaned is None:
        raise _RefusedDocument("refused nested document type declarations")
    result = feedparser.parse(
        io.BytesIO(cleaned),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": base_url,
        },
    )
    return result, (str(problem) if problem else None)


def _effective_content_type(body: bytes, content_type: str | None) -> str:
    """The Content-Type to decode with: the server's, corrected for two common lies.

    No header at all means XML's own rules (declaration, else UTF-8), not ISO-8859-1. A body
    that is valid UTF-8 with non-ASCII bytes but declared Latin-1/Windows-1252/ASCII is UTF-8:
    legacy text almost never happens to be valid multi-byte UTF-8, and decoding it as Latin-1
    would turn every accent into mojibake rather than fail.
    """
    if not content_type:
        content_type = "application/xml"
    mime, _, params = content_type.partition(";")
    declared = _charset_param(params)
    if declared is None:
        match = _XML_ENCODING.match(body[:512])
        declared = match.group(1).decode("ascii") if match else None
    if declared and _codec_name(declared) in _LEGACY_SINGLE_BYTE and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return content_type
        logger.debug("body declared %s is valid UTF-8; decoding as UTF-8", declared)
        return f"{mime.strip() or 'application/xml'}; charset=utf-8"
    return content_type


def _charset_param(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip("\"'"):
            return value.strip().strip("\"'")
    return None


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def _classify(
    result: Mapping[str, Any], *, version: str, has_entries: bool, body: bytes
) -> str | None:
    """The ParsedFeed.error for a feedparser result (see the module docstring)."""
    if not version and not has_entries:
        if _HTML_SNIFF.search(body[:4096]):
            return "not_a_feed: html page"
        return "not_a_feed: no rss, atom or rdf document"
    if result.get("bozo"):
        exc = result.get("bozo_exception")
        return f"malformed: {_describe(exc)}"
    if not version:
        return "malformed: unrecognised feed format"
    return None


def _describe(exc: object) -> str:
    """One line for a parser exception: `line 3, column 5: undefined entity`."""
    get_line = getattr(exc, "getLineNumber", None)
    get_column = getattr(exc, "getColumnNumber", None)
    get_message = getattr(exc, "getMessage", None)
    if callable(get_line) and callable(get_column) and callable(get_message):
        return f"line {get_line()}, column {get_column()}: {get_message()}"
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _entries(
    raw_entries: list[Any],
    *,
    feed_url: str,
    base_url: str,
    now: datetime,
    rules: SourceRules,
    feed_title: str | None = None,
    own_sites: Collection[str] = (),
) -> tuple[list[Entry], int]:
    """The feed's items as entries, and how many had no usable link. The channel's title goes
    with the items on the feed's own site (or its channel link's) only: an aggregator's ("Top
    stories - Google News") names no outlet of the pages it links to. A guid the document gives
    to different links identifies none of them (a CMS that stamps one guid on every item): each
    is kept by its link."""
    zone = ZoneInfo(rules.timezone) if rules.timezone else UTC
    linked = [item for item in map(_linked, raw_entries, repeat(base_url)) if item]
    unlinked = len(raw_entries) - len(linked)
    # a guid the document gives to two links (by their keys) identifies neither
    keys_of: dict[str, set[str]] = {}
    for raw, _, url_key in linked:
        if (guid := _clean(raw.get("id"))) is not None:
            keys_of.setdefault(guid, set()).add(url_key)
    entries: list[Entry] = []
    seen_guids: set[str] = set()
    # the same link twice is one entry; a tracking-parameter variant of a link passes through,
    # so that triage records it in article_urls as one more URL of the same article
    seen_links: set[str] = set()
    latest = now + FUTURE_TOLERANCE
    for raw, link, url_key in linked:
        guid = _clean(raw.get("id"))
        if guid is not None and len(keys_of[guid]) > 1:
            guid = None
        if link in seen_links or (guid is not None and guid in seen_guids):
            continue
        seen_links.add(link)
        if guid is not None:
            seen_guids.add(guid)
        published = _date(raw, "published", latest, zone)
        updated = _date(raw, "updated", latest, zone)
        entries.append(
            Entry(
                feed_url=feed_url,
                url=link,
                url_key=url_key,
                guid=guid,
                title=_title(raw),
                summary=_detail_text(raw.get("summary_detail"), raw.get("summary")),
                content=_content_text(raw.get("content")),
                # an Atom entry or RSS 1.0 item often carries only an update date (dc:date)
                published_at=published or updated,
                updated_at=updated,
                author=_author(raw),
                tags=_tags(raw.get("tags")),
                feed_title=feed_title if site_of(link) in own_sites else None,
                rules=rules,
            )
        )
    return entries, unlinked


def _linked(item: object, base_url: str) -> tuple[dict[str, Any], str, str] | None:
    """An item's fields, its absolute link and the link's key; None without a usable link."""
    raw: dict[str, Any] = dict(item) if isinstance(item, Mapping) else {}
    link = http_link(raw.get("link"), base_url)
    if link is None:
        return None
    try:
        return raw, link, normalise_url(link)
    except ValueError:
        return None


def http_link(value: object, base_url: str) -> str | None:
    """An absolute http(s) URL from a (possibly relative) link, or None if it is not one."""
    if not isinstance(value, str):
        return None
    link = web_url(value)
    if not link:
        return None
    try:
        absolute = urljoin(base_url, link)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.hostname:
        return None
    return absolute


def _date(raw: Mapping[str, Any], field: str, latest: datetime, zone: tzinfo) -> datetime | None:
    text = raw.get(field)
    parsed = raw.get(f"{field}_parsed")
    value = parse_feed_date(
        text if isinstance(text, str) else None,
        parsed if isinstance(parsed, time.struct_time) else None,
        zone=zone,
    )
    if value is not None and value > latest:
        logger.debug("dropping future %s date %s", field, value.isoformat())
        return None
    return value


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _is_html(detail: Mapping[str, Any] | None) -> bool:
    kind = str((detail or {}).get("type") or "text/html")
    return "html" in kind


def _detail_text(detail: Mapping[str, Any] | None, fallback: object) -> str | None:
    value = (detail or {}).get("value", fallback)
    if not isinstance(value, str):
        return None
    return html_to_text(value) if _is_html(detail) else plain_text(value)


def _content_text(contents: object) -> str | None:
    """The longest of the entry's content blocks, as text (feeds may offer several types)."""
    if not isinstance(contents, list):
        return None
    texts = [_detail_text(block, None) for block in contents if isinstance(block, Mapping)]
    return max((t for t in texts if t), key=len, default=None)


def _title(item: Mapping[str, Any]) -> str | None:
    text = _detail_text(item.get("title_detail"), item.get("title"))
    return " ".join(text.split()) if text else None


def _author(raw: Mapping[str, Any]) -> str | None:
    """The authors' names, comma-separated; "a@b.org (Name)" gives Name, a bare e-mail address
    gives none. Every `<dc:creator>` and Atom `<author>` counts: feedparser's `author_detail`
    holds only one of them (the first, or for Atom the last)."""
    people = raw.get("authors")
    if not isinstance(people, list) or not people:
        people = [raw.get("author_detail")]
    found = (_clean(p.get("name")) for p in people if isinstance(p, Mapping))
    # a dict keeps the first of repeats in order (feedparser repeats a name it mis-splits)
    names = dict.fromkeys(n for n in map(_author_name, filter(None, found)) if n)
    if not names:
        value = _clean(raw.get("author"))
        return _author_name(value) if value else None
    return ", ".join(names)


def _author_name(value: str) -> str | None:
    """The person's name in an RSS author: `jdoe@example.com (Jane Doe)` -> `Jane Doe`.

    Split with str methods, not a regex: two `\\S+` around an `@` take quadratic time on an
    author made of `a@a@a@...`, and an author can be megabytes long. A bare address is no name.
    """
    text = value.strip()
    if not text.removeprefix("mailto:").strip():
        return None  # all feedparser leaves of the name of a `mailto:` address
    address, bracket, rest = text.partition("(")
    address = address.strip()
    if bracket and rest.endswith(")") and _is_address(address):
        name = rest[:-1]
        if name and ")" not in name:
            return name.strip() or None
    if _is_address(text.removeprefix("mailto:")) and "@" not in text.partition("@")[2]:
        return None
    return " ".join(text.split())


def _is_address(text: str) -> bool:
    """An addr-spec in the loose sense feeds use: one word, with text either side of an `@`."""
    local, at, domain = text.partition("@")
    return bool(local and at and domain) and not any(c.isspace() for c in text)


def _tags(raw_tags: object) -> tuple[str, ...]:
    if not isinstance(raw_tags, list):
        return ()
    tags: list[str] = []
    for tag in raw_tags:
        if not isinstance(tag, Mapping):
            continue
        name = _clean(tag.get("label")) or _clean(tag.get("term"))
        if name is not None:
            name = " ".join(name.split())
            if name not in tags:
                tags.append(name)
    return tuple(tags)


def _ttl_minutes(feed: Mapping[str, Any]) -> int | None:
    """Minutes the publisher says the feed stays fresh: RSS <ttl>, else the sy: module."""
    ttl = _positive_int(feed.get("ttl"))
    if ttl is not None:
        return min(ttl, _MAX_TTL_MINUTES)
    period = _clean(feed.get("sy_updateperiod"))
    if period is None or period.lower() not in _SY_PERIOD_MINUTES:
        return None
    frequency = _positive_int(feed.get("sy_updatefrequency")) or 1
    return max(1, _SY_PERIOD_MINUTES[period.lower()] // frequency)


def _positive_int(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
