"""When an article was published: the page's own date, the feed's, the URL's, or first sight.

The rule (`choose_published`), first match wins; a candidate counts only if it lies between
1990-01-01 and `first_seen` + 1 day (later is a bad clock or a typo, earlier is absurd):

1. the page's timestamp with a time of day (and a UTC offset)       -> ``page``
2. the feed's timestamp, if the page gave no date or one on the same
   calendar day, ±1 day for time zones (the feed adds the time of day) -> ``feed``
3. the page's day-only date, as midnight UTC                        -> ``page``
4. a date in the URL path (``/2024/03/18/``, ``/2024-03-18/``, ...)   -> ``url``
5. ``first_seen``                                                   -> ``first_seen``

A feed date on another day than the page's is ignored: feeds re-stamp items when they are
edited or re-published, the page keeps the original day.

The page's date comes from `find_page_published`, which reads only *publication* fields
(``article:published_time``, ``itemprop=datePublished``, JSON-LD ``datePublished``, RDFa
``dc:created``, ``<time pubdate>`` / ``<time class="published">``, and last the first
``<time datetime>`` outside navigation, sidebars and comments). htmldate, which trafilatura
uses, returns day-only strings by default; its ``%H:%M`` output formats work, but a missing
time comes back as ``00:00`` and cannot be told from midnight. It also falls back to a *modified*
date when no published one exists (even with ``original_date=True``) and answers from the URL
before the markup; so it is only a fallback for pages without those fields (see `page.py`).

A timestamp has a time of day only when it also carries a UTC offset (or ``Z``) and is not
exactly local midnight: ``2025-01-21T19:03`` without an offset could be any of 26 hours, and
CMSs write day-only dates as ``T00:00:00``. Such values count as the day they name, unless
the feed list gives the feed a ``timezone``: then a timestamp without an offset is that zone's
wall time (with its daylight-saving rules; a wall time that happens twice is its first
occurrence), and has a time of day like one with an offset.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from wirehouse.extractors import jsonld, loading
from wirehouse.records import DateSource

logger = logging.getLogger(__name__)

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
SAME_DAY_SLACK = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PageDate:
    """A date read from page markup: UTC, midnight when `has_time` is False."""

    value: datetime
    has_time: bool


# ---------------------------------------------------------------------------- parsing values

_TIMESTAMP = re.compile(
    r"""(?P<y>\d{4})(?P<sep>[-/.]?)(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})
        (?:[T\s]+(?P<H>\d{1,2}):?(?P<M>\d{2})(?::?(?P<S>\d{2})(?:[.,]\d+)?)?
           \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?
        (?![\d])""",
    re.IGNORECASE | re.VERBOSE,
)


def parse_timestamp(value: str | None, zone: tzinfo | None = None) -> PageDate | None:
    """Parse one machine-readable date (ISO 8601, its compact forms, or RFC 2822).

    `zone` is the zone of a timestamp written without an offset; without one, such a timestamp
    counts as its day only."""
    if not value:
        return None
    text = value.strip()
    match = _TIMESTAMP.match(text)
    if match is None:
        return _parse_rfc2822(text, zone)
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    if match["H"] is None or (match["tz"] is None and zone is None):
        return _day_only(day)
    try:
        hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
        local = datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError:
        return None
    if (hour, minute, second) == (0, 0, 0):
        return _day_only(day)
    aware = local.replace(tzinfo=_offset(match["tz"]) if match["tz"] else zone)
    return _in_utc(aware)


def _parse_rfc2822(text: str, zone: tzinfo | None) -> PageDate | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None and zone is not None:
        parsed = parsed.replace(tzinfo=zone)
    if parsed.tzinfo is None or parsed.time() == datetime.min.time():
        return _day_only(parsed.date())
    return _in_utc(parsed)


def _in_utc(aware: datetime) -> PageDate | None:
    try:
        return PageDate(aware.astimezone(UTC), True)
    except OverflowError:  # year 1 east of UTC
        return None


def _offset(tz: str) -> timezone:
    if tz.upper() in {"Z", "UTC", "GMT"}:
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _day_only(day: date) -> PageDate:
    return PageDate(datetime(day.year, day.month, day.day, tzinfo=UTC), False)


# ---------------------------------------------------------------------------- page markup

# <meta property|name|itemprop=...> keys naming the publication time, lower-cased
PUBLISHED_META = frozenset(
    {
        "article:published_time", "og:article:published_time", "og:published_time",
        "article.published", "datepublished", "publishdate", "publish-date", "publish_date",
        "pubdate", "publication_date", "sailthru.date", "parsely-pub-date", "dc.date.issued",
        "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date", "date",
        "originalpublicationdate", "article_date_original", "cxenseparse:recs:publishtime",
    }
)  # fmt: skip
MODIFIED_META = frozenset(
    {
        "article:modified_time", "og:updated_time", "og:article:modified_time", "datemodified",
        "last-modified", "lastmod", "dc.date.modified", "dcterms.modified", "article.updated",
        "revised", "parsely-updated",
    }
)  # fmt: skip
_RDFA_PUBLISHED = frozenset({"dc:created", "dcterms:created", "dc:date", "dcterms:issued"})
_TIME_PUBLISHED_CLASSES = frozenset(
    {"published", "pubdate", "entry-date", "post-date", "publish-date", "date-published"}
)
_TIME_MODIFIED_CLASSES = frozenset({"updated", "modified", "date-modified", "last-updated"})


def find_page_published(
    tree: HtmlElement, json_ld: Sequence[jsonld.Node] | None = None, zone: tzinfo | None = None
) -> PageDate | None:
    """The publication date the page declares in its markup, or None.

    The first candidate with a time of day wins; failing that, the first day-only candidate.
    `json_ld` is the page's `jsonld.read_nodes`, when the caller has read it already; `zone`
    is the feed's zone for timestamps without an offset (`parse_timestamp`).
    """
    first_day_only: PageDate | None = None
    for raw in _published_candidates(tree, _json_ld(tree, json_ld)):
        parsed = parse_timestamp(raw, zone)
        if parsed is None:
            continue
        if parsed.has_time:
            return parsed
        first_day_only = first_day_only or parsed
    return first_day_only


def find_modified_days(
    tree: HtmlElement, json_ld: Sequence[jsonld.Node] | None = None
) -> set[date]:
    """The days of every *modified* date the page declares (to keep them out of `published`)."""
    days: set[date] = set()
    for raw in _modified_candidates(tree, _json_ld(tree, json_ld)):
        parsed = parse_timestamp(raw)
        if parsed is not None:
            days.add(parsed.value.date())
    return days


def _meta_key(elem: HtmlElement) -> str:
    return loading.meta_key(elem, "property", "name", "itemprop")


def _json_ld(tree: HtmlElement, json_ld: Sequence[jsonld.Node] | None) -> Sequence[jsonld.Node]:
    return jsonld.read_nodes(tree) if json_ld is None else json_ld


def _published_candidates(tree: HtmlElement, json_ld: Sequence[jsonld.Node]) -> list[str]:
    found: list[str] = []
    for elem in tree.iter("meta"):
        if _meta_key(elem) in PUBLISHED_META:
            found.append(elem.get("content") or elem.get("datetime") or "")
    found.extend(_json_ld_values(json_ld, "datePublished"))
    for elem in tree.xpath("//body//*[@itemprop='datePublished']"):
        found.append(elem.get("datetime") or elem.get("content") or "")
    for elem in tree.xpath("//*[@property][@content]"):
        if elem.tag != "meta" and _RDFA_PUBLISHED & set(elem.get("property", "").split()):
            found.append(elem.get("content", ""))
    for elem in tree.iter("time"):
        classes = set(elem.get("class", "").lower().split())
        is_published = "pubdate" in elem.attrib or classes & _TIME_PUBLISHED_CLASSES
        if is_published and not classes & _TIME_MODIFIED_CLASSES:
            found.append(elem.get("datetime", ""))
    # last resort: the first plain <time datetime> of the page's own content
    for elem in tree.iter("time"):
        classes = set(elem.get("class", "").lower().split())
        if elem.get("datetime") and not classes & _TIME_MODIFIED_CLASSES and _in_content(elem):
            found.append(elem.get("datetime", ""))
            break
    return found


_NOT_CONTENT_TAGS = frozenset({"nav", "aside", "footer", "form"})
_NOT_CONTENT = re.compile(
    r"comment|related|sidebar|widget|recent|popular|most-|teaser|promo|footer|menu|nav", re.I
)


def _in_content(elem: HtmlElement) -> bool:
    """False inside navigation, sidebars, comments and lists of other articles."""
    for ancestor in elem.iterancestors():
        if ancestor.tag in _NOT_CONTENT_TAGS:
            return False
        marker = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if marker.strip() and _NOT_CONTENT.search(marker):
            return False
    return True


def _modified_candidates(tree: HtmlElement, json_ld: Sequence[jsonld.Node]) -> list[str]:
    found = [
        elem.get("content") or ""
        for elem in tree.iter("meta")
        if _meta_key(elem) in MODIFIED_META
        or loading.meta_key(elem, "http-equiv") == "last-modified"
    ]
    found.extend(_json_ld_values(json_ld, "dateModified"))
    for elem in tree.iter("time"):
        if set(elem.get("class", "").lower().split()) & _TIME_MODIFIED_CLASSES:
            found.append(elem.get("datetime", ""))
    return found


def _json_ld_values(nodes: Sequence[jsonld.Node], key: str) -> list[str]:
    """`key` of each JSON-LD object (top-level and @graph member), not of nested updates."""
    return [node[key] for node in nodes if isinstance(node.get(key), str)]


# ---------------------------------------------------------------------------- URL

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_URL_DATES = (
    # /2024/03/18/  /2024-03-18/  /2024_03_18
    re.compile(r"/((?:19|20)\d{2})[/_-](\d{1,2})[/_-](\d{1,2})(?=[/_.-]|$)"),
    # /2024/mar/18/  /2024/march/18/
    re.compile(r"/((?:19|20)\d{2})/([a-z]{3,9})/(\d{1,2})(?=[/_.-]|$)", re.IGNORECASE),
    # /202403/18/
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})(?=/)"),
    # /20240318/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})(?=/)"),
)


def url_date(url: str | None) -> datetime | None:
    """A date spelled in the URL path, as midnight UTC, or None."""
    if not url:
        return None
    path = urlsplit(url).path
    for pattern in _URL_DATES:
        for match in pattern.finditer(path):
            year, month_text, day = match.groups()
            month = _MONTHS.get(month_text[:3].lower()) if month_text.isalpha() else int(month_text)
            if month is None:
                continue
            try:
                return datetime(int(year), month, int(day), tzinfo=UTC)
            except ValueError:
                continue
    return None


# ---------------------------------------------------------------------------- the rule


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def choose_published(
    *,
    feed: datetime | None,
    page: datetime | None,
    page_has_time: bool,
    url: str,
    first_seen: datetime,
) -> tuple[datetime, DateSource]:
    """Pick the publication time by the rule in the module docstring; naive values are UTC."""
    seen = _as_utc(first_seen)
    assert seen is not None

    def plausible(value: datetime | None) -> datetime | None:
        value = _as_utc(value)
        if value is None or value < EARLIEST or value > seen + FUTURE_SLACK:
            return None
        return value

    page_ok, feed_ok = plausible(page), plausible(feed)
    if page_ok is not None and page_has_time:
        return page_ok, DateSource.PAGE
    if feed_ok is not None and (
        page_ok is None or abs(feed_ok.date() - page_ok.date()) <= SAME_DAY_SLACK
    ):
        return feed_ok, DateSource.FEED
    if page_ok is not None:
        return datetime.combine(page_ok.date(), datetime.min.time(), UTC), DateSource.PAGE
    from_url = plausible(url_date(url))
    if from_url is not None:
        return from_url, DateSource.URL
    return seen, DateSource.FIRST_SEEN
