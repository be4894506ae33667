"""Merge a page's extraction with its feed entry into the `Article` that gets stored.

The page wins where it says something (title, author, date with a time), the feed fills the
gaps. When the page cannot be used, `article_from_feed` stores the feed's own text
(`body_source="feed"`) so the story is not lost; it is re-fetched on a later run.
"""

from __future__ import annotations

import logging
from datetime import datetime

from wirehouse.extractors.cleanup import split_tags
from wirehouse.extractors.dates import choose_published, url_date
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.records import Article, Entry, Extracted, Page
from wirehouse.urls import normalise_url

logger = logging.getLogger(__name__)


def canonical_key(canonical_url: str | None) -> str | None:
    """The dedup key of a declared canonical URL; None without one or for a non-http(s) one."""
    if not canonical_url:
        return None
    try:
        return normalise_url(canonical_url)
    except ValueError:
        logger.debug("unusable canonical URL %r", canonical_url)
        return None


def build_article(page: Page, extracted: Extracted) -> Article:
    """The article of a fetched page: extracted text and metadata merged with its entry."""
    entry = page.entry
    # a date spelled in the URL may sit in any of the page's addresses
    addresses = (page.final_url, extracted.canonical_url, entry.url)
    dated_url = next((u for u in addresses if u and url_date(u)), page.final_url)
    published_at, source = choose_published(
        feed=entry.published_at,
        page=extracted.page_date,
        page_has_time=extracted.page_date_has_time,
        url=dated_url,
        first_seen=page.fetched_at,
    )
    return Article(
        entry=entry,
        url=page.final_url,
        canonical_url=extracted.canonical_url,
        canonical_key=canonical_key(extracted.canonical_url),
        title=extracted.title or entry.title,
        text=extracted.text,
        content_hash=content_hash(extracted.text),
        published_at=published_at,
        published_at_source=source,
        author=extracted.author or entry.author,
        sitename=extracted.sitename,
        language=extracted.language,
        description=extracted.description or entry.summary,
        tags=_merge_tags(extracted.tags, entry.tags),
        image=extracted.image,
        body_source="page",
        fetched_at=page.fetched_at,
    )


def article_from_feed(entry: Entry, *, reason: str, fetched_at: datetime) -> Article | None:
    """An article made of the feed's own text, for a page that failed (`reason` is logged).

    None when the entry carries no text: a title alone is not an article.
    """
    text = _feed_text(entry)
    if not text:
        logger.debug("no feed text to stand in for %s (%s)", entry.url, reason)
        return None
    logger.debug("feed text stands in for %s (%s)", entry.url, reason)
    published_at, source = choose_published(
        feed=entry.published_at,
        page=None,
        page_has_time=False,
        url=entry.url,
        first_seen=fetched_at,
    )
    return Article(
        entry=entry,
        url=entry.url,
        canonical_url=None,
        canonical_key=None,
        title=entry.title,
        text=text,
        content_hash=content_hash(text),
        published_at=published_at,
        published_at_source=source,
        author=entry.author,
        description=entry.summary,
        tags=_merge_tags((), entry.tags),
        body_source="feed",
        fetched_at=fetched_at,
    )


def _feed_text(entry: Entry) -> str:
    """The longer of the entry's content and summary, with blank lines and spaces collapsed."""
    best = max((entry.content or "", entry.summary or ""), key=len)
    lines = (" ".join(line.split()) for line in best.splitlines())
    return "\n".join(line for line in lines if line)


def _merge_tags(page_tags: tuple[str, ...], feed_tags: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    merged: list[str] = []
    for tag in split_tags([*page_tags, *feed_tags]):
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            merged.append(tag)
    return tuple(merged)
