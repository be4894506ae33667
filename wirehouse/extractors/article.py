"""Merge a page's extraction with its feed entry into the `Article` that gets stored.

The page wins where it says something (title, author, date with a time), the feed fills the
gaps. When the page cannot be used, `article_from_feed` keeps the entry as an article with the
feed's own text (`body_source="feed"`), or none, so the story is not lost; its page is retried
on later runs and its text then fills the same article.

The feed list can correct a feed (`SourceRules`): its `language` replaces the one its pages
declare, and with `prefer_feed_text` the entry's full content (not a summary) is stored instead
of the page's text whenever the feed carries one (`body_source="feed"`, status `ok`: the page
was fetched and still gives the headline, date and metadata).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from wirehouse.escape import plain_text, strip_controls
from wirehouse.extractors import metadata
from wirehouse.extractors.cleanup import unique_tags
from wirehouse.extractors.dates import choose_published, url_date
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.extractors.textcap import cap_text
from wirehouse.records import Access, Article, ArticleStatus, Entry, Extracted, Page
from wirehouse.urls import normalise_url, site_of

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
    """The article of a fetched page: extracted text and metadata merged with its entry.

    The feed's full content replaces the page's text when its source prefers it
    (`prefer_feed_text`), and a paywall's teaser gives way to the feed's own text where that is
    longer (`body_source` ``feed``); `access` says which wall, or the size cap, made the text
    what it is."""
    entry = page.entry
    text, body_source, truncated = extracted.text, "page", extracted.text_truncated
    paywalled = extracted.access == Access.PAYWALLED
    if entry.rules.prefer_feed_text and (feed_text := plain_text(entry.content)):
        capped = cap_text(feed_text)  # a feed's text is capped like a page's
        text, truncated, body_source = capped.text, capped.truncated, "feed"
    elif paywalled:
        feed = cap_text(_feed_text(entry))
        if len(feed.text) > len(text):
            text, body_source, truncated = feed.text, "feed", feed.truncated
    access = Access.PAYWALLED if paywalled else Access.TRUNCATED if truncated else Access.OK
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
    naming = _naming(page, extracted)
    return Article(
        entry=entry,
        url=page.final_url,
        canonical_url=extracted.canonical_url,
        canonical_key=canonical_key(extracted.canonical_url),
        title=naming.title,
        title_source=naming.title_source,
        text=text,
        content_hash=content_hash(text),
        published_at=published_at,
        published_at_source=source,
        author=strip_controls(extracted.author or entry.author),
        sitename=naming.sitename,
        sitename_source=naming.sitename_source,
        language=entry.rules.language or extracted.language,
        description=strip_controls(extracted.description or entry.summary),
        tags=unique_tags([*extracted.tags, *entry.tags]),
        image=extracted.image,
        body_source=body_source,
        fetched_at=page.fetched_at,
        text_truncated=truncated,
        access=str(access),
    )


def article_from_feed(entry: Entry, *, reason: str, fetched_at: datetime) -> Article:
    """The article of an entry whose page failed (`reason`): the feed's own text stands in, or
    no text at all (an empty, whitespace or image-only description) so that the entry is kept
    and its page retried, with `status` `page_failed:<reason>` and `access` the wall that
    `reason` names (``bot_wall``, ...) or ``feed_only``.
    """
    sitename, sitename_source = metadata.decide_for_feed(
        url=entry.url, channel_title=entry.feed_title
    )
    capped = cap_text(_feed_text(entry))  # a feed's text is capped like a page's
    text = capped.text or None
    found = "text stands in" if text else "has no text"
    logger.debug("feed %s for %s (%s)", found, entry.url, reason)
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
        title=metadata.clean_name(entry.title),
        title_source="feed" if entry.title else None,
        text=text,
        content_hash=content_hash(text) if text else None,
        published_at=published_at,
        published_at_source=source,
        author=strip_controls(entry.author),
        sitename=sitename,
        sitename_source=sitename_source,
        language=entry.rules.language,
        description=strip_controls(entry.summary),
        tags=unique_tags(entry.tags),
        body_source="feed" if text else "none",
        fetched_at=fetched_at,
        status=f"{ArticleStatus.PAGE_FAILED}:{reason}",
        text_truncated=capped.truncated,
        access=str(Access.of_failure(reason)),
    )


def pending_article(entry: Entry, *, seen_at: datetime) -> Article:
    """The article of an entry whose page is left for a later run (a budget, a host's long
    Retry-After): kept at once from its entry, without text, with `status` `pending`, so an
    entry that leaves its feed before then is not lost and the page retry path fetches it."""
    kept = article_from_feed(entry, reason="", fetched_at=seen_at)
    return replace(
        kept,
        text=None,
        content_hash=None,
        body_source="none",
        status=str(ArticleStatus.PENDING),
        text_truncated=False,
    )


def pending_articles(
    entries: Sequence[Entry], *, known: Collection[str], seen_at: datetime
) -> tuple[list[Article], dict[str, list[Entry]]]:
    """The pending articles of entries left for later whose URL is not an article yet (`known`
    url_keys are), one per URL, and the other feeds' entries of each URL (its followers)."""
    articles: list[Article] = []
    followers: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.url_key in known:
            continue
        if entry.url_key in followers:
            followers[entry.url_key].append(entry)
        else:
            followers[entry.url_key] = []
            articles.append(pending_article(entry, seen_at=seen_at))
    return articles, {k: v for k, v in followers.items() if v}


def _naming(page: Page, extracted: Extracted) -> metadata.Naming:
    """The page's headline and outlet evidence weighed against its feed entry."""
    headlines = extracted.headlines
    guessed = (extracted.title_source or "").startswith("title-tag")
    if not headlines and extracted.title and not guessed:  # an extraction without evidence
        headlines = ((extracted.title_source or "page", extracted.title),)
    outlets = extracted.outlets
    if not outlets and extracted.sitename and extracted.sitename_source is None:
        outlets = (("page", extracted.sitename),)
    evidence = metadata.PageEvidence(outlets, headlines, extracted.title_tag)
    # a link that redirected to another site (an aggregator's) left its feed's name behind
    same_site = site_of(page.final_url) == site_of(page.entry.url)
    return metadata.decide(
        evidence,
        url=page.final_url,
        feed_title=page.entry.title,
        channel_title=page.entry.feed_title if same_site else None,
    )


def _feed_text(entry: Entry) -> str:
    """The longer of the entry's content and summary, with blank lines and spaces collapsed."""
    return plain_text(max((entry.content or "", entry.summary or ""), key=len)) or ""
