"""A page's author, description, image, tags and categories, read as trafilatura reads them,
without the rest of trafilatura's metadata pass.

trafilatura's `extract_metadata` also guesses the title, outlet, URL, licence and date, which
wirehouse decides itself (`metadata`, `dates`, `page.canonical_url`), and it runs its costliest
searches on every page: the category and tag paths against every link, a licence search of the
footer, htmldate. Here the meta tags and the JSON-LD are read by trafilatura's own readers, and
each costly search runs only where it can find something: the byline search when no meta tag or
JSON-LD names an author, the category and tag paths when a link's address has ``/category/``
or ``/tag/`` in it (their results must), trafilatura's title guess and htmldate only when the
page's own markup gave none (`fallback_title`, `page_url`).
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_json
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_catstags,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import line_processing

from wirehouse.urls import web_url

logger = logging.getLogger(__name__)

# the link addresses trafilatura's category and tag paths keep (see `extract_catstags`)
_CATEGORY_HREF = re.compile(r"/categor(?:y|ies|s)?/")
_TAG_HREF = re.compile(r"/tag(?:y|ies|s)?/")
_MAYBE_LINKED = XPath("//a[contains(@href, '/tag') or contains(@href, '/categor')]")
# the scripts trafilatura's `extract_meta_json` reads
_JSON_SCRIPTS = XPath('.//script[@type="application/ld+json" or @type="application/settings+json"]')
_MAX_FIELD = 10_000  # characters of one field kept, as trafilatura keeps them


@dataclass(frozen=True, slots=True)
class Details:
    """What trafilatura's metadata pass would have said of these fields."""

    author: str | None
    description: str | None
    image: str | None
    tags: tuple[str, ...]  # as declared: one entry may hold several ("a, b")
    categories: tuple[str, ...]
    title: str | None  # from meta tags and JSON-LD only; see `fallback_title`
    url: str | None  # og:url or twitter:url, as trafilatura validates them


def read_details(tree: HtmlElement) -> Details:
    """The page's author, description, image, tags and categories (read-only on `tree`)."""
    found = examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # a single word is a handle or a role, not a name
    try:
        found = _read_json(tree, found)
    except Exception as exc:  # as trafilatura itself: a hostile script (deep nesting) raises
        logger.debug("JSON-LD not read for details: %s", exc)
    author = found.author or extract_author(tree)
    category_links, tag_links = _linked(tree)
    categories = found.categories or (
        extract_catstags("category", tree) if category_links else _sections(tree)
    )
    tags = found.tags or (extract_catstags("tag", tree) if tag_links else [])
    return Details(
        author=_trimmed(author),
        description=_trimmed(found.description),
        image=web_url(image) if (image := _trimmed(found.image)) else None,
        tags=tuple(tags),
        categories=tuple(categories),
        title=_trimmed(found.title),
        url=found.url,
    )


# trafilatura's JSON_MINIFY, with a string left open at the end matched to the end: its own
# pattern tries every quote of an unclosed string again, quadratic in a script of quotes
_JSON_MINIFY = re.compile(r'("(?:\\.|[^"\\])*"?)|\s')
# trafilatura's reader of broken JSON runs patterns that scan on from each "author" key, so it
# is quadratic in the script's length: real JSON-LD takes a few KB, a broken one longer is
# left unread (0.1 s at this length, 6 s at 40 KB)
BROKEN_JSON_MAX_CHARS = 10_000


def _read_json(tree: HtmlElement, found: Document) -> Document:
    """trafilatura's `extract_meta_json`, without its first step where it is not needed.

    trafilatura removes the spaces between a script's JSON tokens with a regex (most of the
    cost of its JSON-LD read, ~0.7 ms for 8 KB) before it normalises the text, whose last step
    collapses every run of spaces anyway, and before parsing, which ignores them: a script
    that parses without that step gives the same objects. One that does not is read exactly
    as trafilatura reads it (with the step, and its crude reader for broken JSON)."""
    for script in _JSON_SCRIPTS(tree):
        if not script.text:
            continue
        try:
            schema = json.loads(normalize_json(script.text), strict=False)
        except json.JSONDecodeError:
            text = normalize_json(_JSON_MINIFY.sub(r"\1", script.text))
            try:
                schema = json.loads(text, strict=False)
            except json.JSONDecodeError:
                if len(text) <= BROKEN_JSON_MAX_CHARS:
                    found = extract_json_parse_error(text, found)
                continue
        found = extract_json(schema, found)
    return found


def fallback_title(tree: HtmlElement) -> str | None:
    """trafilatura's title guess from the body (a lone h1, a headline class, an h2)."""
    return _trimmed(extract_title(tree))


def page_url(details: Details, tree: HtmlElement, url: str) -> str | None:
    """The page's address as trafilatura gives it to htmldate (for dates in the URL)."""
    return details.url or extract_url(tree, url)


def _linked(tree: HtmlElement) -> tuple[bool, bool]:
    """Whether any link's address could be a category's, a tag's (the XPath narrows the
    links to those with ``/tag`` or ``/categor`` in C, the patterns then decide)."""
    hrefs = [link.get("href", "") for link in _MAYBE_LINKED(tree)]
    return (
        any(_CATEGORY_HREF.search(h) for h in hrefs),
        any(_TAG_HREF.search(h) for h in hrefs),
    )


def _sections(tree: HtmlElement) -> list[str]:
    """Categories from ``article:section`` and ``*subject*`` meta tags (trafilatura's fallback
    when no category link exists)."""
    values = (
        line_processing(meta.get("content") or "")
        for meta in tree.xpath(
            './/head//meta[@property="article:section" or contains(@name, "subject")][@content]'
        )
    )
    return [v for v in dict.fromkeys(values) if v]


def _trimmed(value: str | None) -> str | None:
    """One field as trafilatura's `Document.clean_and_trim` leaves it."""
    if value is None:
        return None
    if len(value) > _MAX_FIELD:
        value = value[: _MAX_FIELD - 1] + "…"
    return line_processing(html.unescape(value))
