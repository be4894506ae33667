"""The feed list's corrections on an article: `language` and `prefer_feed_text` (SourceRules)."""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.extractors.test_article import ENTRY, EXTRACTED, PAGE
from wirehouse.extractors.article import article_from_feed, build_article
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.extractors.textcap import DEFAULT_MAX_CHARS
from wirehouse.records import Entry, Page, SourceRules

FULL = "First paragraph of the feed's own copy.\n\n  Second   paragraph,\x07 tidied.  \n"
TIDY = "First paragraph of the feed's own copy.\nSecond paragraph, tidied."


def ruled(**rules: Any) -> tuple[Entry, Page]:
    """The test entry with full content and these rules, and its page."""
    entry = dataclasses.replace(ENTRY, content=FULL, rules=SourceRules(**rules))
    return entry, dataclasses.replace(PAGE, entry=entry)


def test_language_replaces_what_the_page_declares() -> None:
    _, page = ruled(language="de")
    extracted = dataclasses.replace(EXTRACTED, language="en")
    assert build_article(page, extracted).language == "de"
    assert build_article(PAGE, extracted).language == "en"


def test_language_also_on_the_feed_only_article() -> None:
    entry, _ = ruled(language="de")
    kept = article_from_feed(entry, reason="http_404", fetched_at=PAGE.fetched_at)
    assert kept.language == "de"
    assert article_from_feed(ENTRY, reason="http_404", fetched_at=PAGE.fetched_at).language is None


def test_prefer_feed_text_stores_the_feed_content_and_keeps_the_page_metadata() -> None:
    _, page = ruled(prefer_feed_text=True)
    extracted = dataclasses.replace(EXTRACTED, title="Page title", language="en")
    article = build_article(page, extracted)
    assert article.text == TIDY and article.content_hash == content_hash(TIDY)
    assert article.body_source == "feed" and article.status == "ok"
    assert article.title == "Page title" and article.language == "en"


def test_prefer_feed_text_needs_full_content_not_a_summary() -> None:
    for content in (None, "", " \n\t "):
        entry = dataclasses.replace(
            ENTRY, content=content, rules=SourceRules(prefer_feed_text=True)
        )
        article = build_article(dataclasses.replace(PAGE, entry=entry), EXTRACTED)
        assert article.text == EXTRACTED.text and article.body_source == "page"


def test_without_the_rule_the_page_text_wins_over_feed_content() -> None:
    entry = dataclasses.replace(ENTRY, content=FULL)
    article = build_article(dataclasses.replace(PAGE, entry=entry), EXTRACTED)
    assert article.text == EXTRACTED.text and article.body_source == "page"


def test_preferred_feed_text_is_capped_like_a_page() -> None:
    long = "word " * (DEFAULT_MAX_CHARS // 2)
    entry = dataclasses.replace(ENTRY, content=long, rules=SourceRules(prefer_feed_text=True))
    article = build_article(dataclasses.replace(PAGE, entry=entry), EXTRACTED)
    assert article.text_truncated and article.text is not None
    assert len(article.text) <= DEFAULT_MAX_CHARS
