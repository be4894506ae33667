"""Typed records that cross stage boundaries: feed -> entries -> pages -> articles -> warehouse.

Every stage takes and returns these frozen dataclasses, never dicts, so a field renamed in one
place is a type error everywhere else. A rejection is a value (`Rejected`), not a log line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeGuard


@dataclass(frozen=True, slots=True)
class SourceRules:
    """What the feed list says about a feed's entries and pages where they say it wrongly;
    each `Entry` carries its feed's rules into the extraction workers."""

    timezone: str | None = None  # IANA zone of dates without a UTC offset; None reads them as UTC
    language: str | None = None  # primary language subtag that replaces the pages' own
    prefer_feed_text: bool = False  # the feed's full content is stored instead of the page's


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed the operator asked for (from config/feeds.toml, an OPML file or a URL list).

    The per-feed fetch settings (`user_agent`, `per_host_delay_s`, `per_host_connections`) are
    None when the feed list leaves them to `settings.http`."""

    url: str
    name: str | None = None
    enabled: bool = True
    tags: tuple[str, ...] = ()
    # minimum minutes between two fetches of this feed; None means "every run"
    interval_minutes: int | None = None
    # obey robots.txt for this feed's article pages (some publishers allow feed readers only)
    respect_robots: bool = True
    rules: SourceRules = SourceRules()
    user_agent: str | None = None  # sent with the feed's, its pages' and their robots.txt requests
    per_host_delay_s: float | None = None  # minimum gap between request starts to a host
    per_host_connections: int | None = None  # requests in flight per host


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the warehouse remembers about a feed between runs (incremental state)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    consecutive_failures: int = 0
    body_hash: str | None = None
    ttl_minutes: int | None = None  # what the feed announced (<ttl>, sy:updatePeriod)


class FetchKind(StrEnum):
    FEED = "feed"
    PAGE = "page"
    ROBOTS = "robots"
    SITEMAP = "sitemap"  # a gzipped file (.xml.gz) is inflated by the fetcher, under the cap


@dataclass(frozen=True, slots=True)
class Fetched:
    """The outcome of one HTTP fetch, successful or not; one row of the `fetches` table.

    `body` is None when the fetch failed, was not modified (304) or was refused before sending;
    a page refused with a status a bot challenge uses (403, 503, ...) keeps its body, capped, so
    that extraction can tell a challenge from a plain refusal (`ok` stays False).
    `error` is a short machine-readable reason (`timeout`, `too_large`, `http_404`,
    `refused_address`, ...) with detail after a colon where useful.
    """

    url: str
    kind: FetchKind
    final_url: str
    status: int | None
    fetched_at: datetime
    elapsed_ms: float
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def size(self) -> int:
        return len(self.body) if self.body is not None else 0


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a parsed feed. `url_key` is the normalised link, the identity used for dedup."""

    feed_url: str
    url: str
    url_key: str
    guid: str | None
    title: str | None = None
    summary: str | None = None  # plain text of the feed's summary/description
    content: str | None = None  # plain text of the feed's full content, when it carries one
    published_at: datetime | None = None  # timezone-aware UTC, from the feed
    updated_at: datetime | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    feed_title: str | None = None  # the channel's title, evidence of the outlet's name
    rules: SourceRules = SourceRules()  # its feed's, stamped on where its feed is parsed


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document after parsing: its entries plus what was wrong with it, if anything."""

    feed_url: str
    title: str | None
    site_url: str | None
    entries: tuple[Entry, ...]
    error: str | None = None  # set when feedparser flagged the document (bozo) or found nothing
    ttl_minutes: int | None = None  # from <ttl> or sy:updatePeriod/sy:updateFrequency
    # the parse never finished (its worker timed out or died): the bytes were not read, so no
    # validator or body hash may tell the next run that they were
    unfinished: bool = False
    # items without a usable http(s) link: no page to fetch and no URL to know them by
    unlinked: int = 0


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A fetched page as one gzip-compressed WARC record (`wirehouse.warc`), ready to append to
    the archive; `digest` (its WARC-Payload-Digest) is the payload's key in `raw_pages`."""

    digest: str
    payload_bytes: int  # size of the page as received
    data: bytes


@dataclass(frozen=True, slots=True)
class Page:
    """An article page fetched for an entry, ready for extraction (raw bytes, never decoded).

    `refused` is the fetch's error (``http_403``) when the body is a refusal's: it is only read
    for a bot challenge (`extractors.batch.extract_one`), never extracted as an article."""

    entry: Entry
    final_url: str
    body: bytes
    content_type: str | None
    fetched_at: datetime
    refused: str | None = None


class DateSource(StrEnum):
    FEED = "feed"
    PAGE = "page"
    URL = "url"
    FIRST_SEEN = "first_seen"


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction found in one page: the clean text and the page's own metadata."""

    url: str
    text: str
    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    canonical_url: str | None = None
    page_date: datetime | None = None  # UTC; midnight when the page gave a day only
    page_date_has_time: bool = False
    # where `title` and `sitename` were read (extractors/metadata.py), and the page's evidence
    # as (source, text) pairs, for `build_article` to weigh against the feed entry
    title_source: str | None = None
    sitename_source: str | None = None
    headlines: tuple[tuple[str, str], ...] = ()
    outlets: tuple[tuple[str, str], ...] = ()
    title_tag: str | None = None
    text_truncated: bool = False  # cut to `extract.max_text_chars` (textcap.py)
    # `paywalled` when `text` is a paywall's teaser (extractors/access.py), else `ok`
    access: str = "ok"


@dataclass(frozen=True, slots=True)
class Article:
    """A page turned into an article: extraction merged with its feed entry, ready to load.

    `body_source` is `page` when the text came from the article page, `feed` when the page could
    not be fetched or yielded no text and the feed's own content stands in (retried later), and
    `none` when the feed had no text either: the entry is still an article (`text` None), so it
    is never lost. `status` says what is missing and why (see `ArticleStatus`).
    """

    entry: Entry
    url: str  # the URL as fetched (after redirects)
    canonical_url: str | None
    canonical_key: str | None
    title: str | None
    text: str | None
    content_hash: str | None
    published_at: datetime | None
    published_at_source: DateSource
    author: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    body_source: str = "page"
    raw: RawRecord | None = None  # the page as fetched, a WARC record for the archive
    content_type: str | None = None
    fetched_at: datetime | None = None
    title_source: str | None = None  # which evidence gave `title` (extractors/metadata.py)
    sitename_source: str | None = None  # og:site_name, json-ld, application-name, feed, ...
    status: str = "ok"
    text_truncated: bool = False  # `text` was cut to the size cap
    access: str = "ok"  # why `text` is what it is (see `Access`)


class ArticleStatus(StrEnum):
    """The vocabulary of `articles.status`: the part before any `:<reason>`.

    Only `ok` has the page's text; the others keep the entry (title, link, dates) and say why
    the page's text is missing. Retried: `pending`, `page_failed`; final: the others."""

    OK = "ok"  # the text is the article page's
    PENDING = "pending"  # stored from its entry, page not fetched yet
    PAGE_FAILED = "page_failed"  # the last page fetch/extraction failed (`page_failed:<reason>`)
    FEED_ONLY = "feed_only"  # gave up on the page; the feed's text stands in
    GAVE_UP = "gave_up"  # gave up on the page and the feed had no text (`gave_up:<reason>`)

    @staticmethod
    def of(status: str) -> ArticleStatus:
        """The vocabulary word of a stored status (`page_failed:http_403` -> PAGE_FAILED)."""
        return ArticleStatus(status.partition(":")[0])


RETRIED_STATUSES = (ArticleStatus.PENDING, ArticleStatus.PAGE_FAILED)


class Access(StrEnum):
    """The vocabulary of `articles.access`: why the stored text is what it is (docs/access.md).

    `status` says where an article is in fetching its page; `access` says what the page gave.
    The walls are also the `<reason>` of `page_failed:<reason>` when the page gave no text."""

    OK = "ok"  # the page's own article text
    PAYWALLED = "paywalled"  # a paywall: its teaser, or the feed's text where that is longer
    BOT_WALL = "bot_wall"  # a bot challenge (any status code): the feed's text, or none
    JS_SHELL = "js_shell"  # a script bundle without its text in the HTML: the feed's, or none
    TRUNCATED = "truncated"  # the page's text, cut to `extract.max_text_chars`
    FEED_ONLY = "feed_only"  # no page text (not fetched yet, or failed): the feed's, or none

    @staticmethod
    def of_failure(reason: str) -> Access:
        """The access of an article whose page gave no text for `reason` (`http_403`, ...)."""
        walls = (Access.BOT_WALL, Access.JS_SHELL, Access.PAYWALLED)
        return Access(reason) if reason in walls else Access.FEED_ONLY


class CanonicalReason(StrEnum):
    """Why a row of `articles` is the canonical copy of its text (`articles.canonical_reason`)."""

    FIRST_SEEN = "first_seen"  # stored first; no copy of it was published earlier
    # an earlier-published copy arrived later and took over (the stored one was demoted)
    EARLIER_PUBLISHED = "earlier_published"


class Stage(StrEnum):
    """The stage that rejected something (`Rejected.stage`)."""

    FEED = "feed"
    PAGE = "page"
    EXTRACT = "extract"


@dataclass(frozen=True, slots=True)
class Rejected:
    """Something a stage could not use, and why; counted in the run summary and stored."""

    stage: Stage
    url: str
    reason: str  # short machine-readable reason, e.g. "http_404", "no_text", "not_html"
    detail: str | None = None


class MatchKind(StrEnum):
    """How a URL was recognised as an article already known (article_urls.match_kind)."""

    NEW = "new"
    URL = "url"
    GUID = "guid"
    CANONICAL = "canonical"
    EXACT = "exact"
    NEAR = "near"


class Outcome(StrEnum):
    """What deduplication decided an article of a batch is."""

    NEW = "new"  # a new row in `articles`
    DUPLICATE = "duplicate"  # one more URL of an article already known
    VERSION = "version"  # an article already known, with changed text
    UNCHANGED = "unchanged"  # an article already known, fetched again, same text


@dataclass(frozen=True, slots=True)
class Known:
    """An article already in the warehouse that a re-fetched entry belongs to."""

    article_id: str
    content_hash: str | None  # None: stored without text (its page never gave one yet)
    version: int


@dataclass(frozen=True, slots=True)
class Decision:
    """What one article of a batch is (new, a copy, a version), and which stored row it is."""

    article: Article
    outcome: Outcome
    article_id: str
    match_kind: MatchKind
    version: int = 1
    similarity: float | None = None
    # a real change held back by the daily version cap: not stored, and not remembered as
    # fetched, so the page is fetched again (and versioned) once the cap has room
    capped: bool = False


@dataclass(frozen=True, slots=True)
class Sighting:
    """An entry that is an article already stored, seen at a new URL or feed."""

    entry: Entry
    article_id: str
    match_kind: MatchKind


@dataclass(slots=True)
class RunSummary:
    """Counts for one run; printed by the CLI, stored in `runs`, published as a Prefect artifact."""

    run_id: str
    feeds_total: int = 0
    feeds_fetched: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feeds_skipped: int = 0
    entries_seen: int = 0
    entries_new: int = 0
    # left for a later run (pending) by a budget, a host's long Retry-After, or a run that ended
    # before loading them
    entries_deferred: int = 0
    entries_unlinked: int = 0  # feed items without a usable link: no page, no URL to keep them by
    pages_fetched: int = 0
    pages_failed: int = 0
    new_articles: int = 0
    new_versions: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)
    stories_touched: set[str] = field(default_factory=set)
    rejected: list[Rejected] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What happened to one feed in a run; becomes its row in `feeds`."""

    source: FeedSource
    fetched: Fetched | None  # None when the feed was not due (its interval, or backed off)
    parsed: ParsedFeed | None = None
    new_items: int = 0


# A `Fetched.error` of a request refused because its host asked for a longer pause than a run
# waits (a Retry-After): the prefix, then the time it named. Runs read it back from `fetches`.
DEFERRAL_PREFIX = "deferred_retry_after:until="
_UNTIL_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# a Retry-After names a pause (a 503's maintenance, a 429's rate window), not a ban: one of a
# year (or 1e300 s) would silence the host's feed and give up all its pages; a day is asked at most
MAX_DEFER_S = 86400.0


def deferral(until: datetime) -> str:
    """The reason of a request refused because its host asked us to wait until `until`, to
    the second (rounded up: never before the time the host named)."""
    if until.microsecond:
        until = until.replace(microsecond=0) + timedelta(seconds=1)
    return f"{DEFERRAL_PREFIX}{until.astimezone(UTC):{_UNTIL_FORMAT}}"


# A `Fetched.error` of a page left for a later run because its host has had its share of this
# run's time (`http.host_time_share`): a deferral like a Retry-After's, but this run's only,
# so the fetch log does not keep the next runs away (`live_deferral` reads DEFERRAL_PREFIX)
BUSY_PREFIX = "deferred_host_busy:until="


def busy_deferral(until: datetime) -> str:
    """The reason of a request to a host that has had its share of the run, until `until`."""
    return BUSY_PREFIX + deferral(until).removeprefix(DEFERRAL_PREFIX)


def deferred_until(reason: str | None) -> datetime | None:
    """The time in a `deferral` or `busy_deferral` reason; None for any other reason."""
    prefix = next(
        (p for p in (DEFERRAL_PREFIX, BUSY_PREFIX) if reason and reason.startswith(p)), ""
    )
    if not reason or not prefix:
        return None
    try:
        return datetime.strptime(reason.removeprefix(prefix), _UNTIL_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def is_deferral(reason: str | None) -> TypeGuard[str]:
    """Whether `reason` is a `deferral`: a host's pause, not a failure of what was asked."""
    return deferred_until(reason) is not None
