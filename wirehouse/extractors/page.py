"""One article page's bytes -> `Extracted` (clean text + metadata) or `Rejected`, never raising.

The page is parsed once (`loading.parse_html`, from bytes, encoding settled there) and that tree
serves every piece of metadata: the publication date, the language, the canonical link, the
headline and outlet evidence, and (`details`) the author, description, image and tags; then it
goes to trafilatura's `bare_extraction` for the main text alone (``with_metadata=False``: its own
metadata pass would read all of that a second time). trafilatura runs with ``favor_precision``
and ``include_comments`` from the settings (precision-first scored best on a public benchmark
of real pages); `cleanup` then removes the few boilerplate lines it leaves in. The headline and the
outlet's name are not trafilatura's guesses but `metadata`'s decision from the page's evidence.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Document

from wirehouse.config.settings import ExtractSettings
from wirehouse.escape import strip_controls
from wirehouse.extractors import access, cleanup, dates, details, discard, jsonld, loading, metadata
from wirehouse.extractors.textcap import cap_text
from wirehouse.languages import primary_language
from wirehouse.records import Access, Extracted, Rejected, Stage
from wirehouse.urls import web_url

logger = logging.getLogger(__name__)


discard.install()  # the same selections, a third of trafilatura's CPU less (see `discard`)


def extract_page(
    body: bytes, url: str, *, settings: ExtractSettings, zone: tzinfo | None = None
) -> Extracted | Rejected:
    """Extract the article of one page; a page that is not one becomes a `Rejected` value.

    Reasons: ``not_html`` (binary or markup-free bytes), ``bot_wall`` (a challenge page),
    ``js_shell`` (a script bundle) or ``paywalled`` (a paywall without even a teaser) where the
    page says why it has no article, else ``no_text`` (under `settings.min_text_chars` of
    article text), ``extract_error`` (anything that raised, with the exception in `detail`).
    A paywall's teaser is no rejection: it is extracted with `access` ``paywalled``. `zone` is
    the feed's zone for page dates without an offset.
    """
    try:
        return _extract(body, url, settings, zone)
    except Exception as exc:  # one bad page must never stop a batch
        logger.warning("extraction failed for %s: %s", url, exc, exc_info=True)
        return Rejected(Stage.EXTRACT, url, "extract_error", f"{type(exc).__name__}: {exc}"[:500])


def _extract(
    body: bytes, url: str, settings: ExtractSettings, zone: tzinfo | None
) -> Extracted | Rejected:
    kind = loading.sniff_not_html(body)
    if kind is not None:
        return Rejected(Stage.EXTRACT, url, "not_html", kind)
    tree = loading.parse_html(body)
    if tree is None or (tree.find(".//body") is None and len(tree) < 2):
        return Rejected(Stage.EXTRACT, url, "not_html", "unparseable")

    # read what trafilatura's copy of the tree would not tell us, before anything changes it
    json_ld = jsonld.read_nodes(tree)
    published = dates.find_page_published(tree, json_ld, zone)
    modified_days = dates.find_modified_days(tree, json_ld) if published is None else set()
    language = page_language(tree)
    canonical = canonical_url(tree, url)
    evidence = metadata.read_evidence(tree, json_ld)
    signs = access.read_signs(tree, json_ld)
    if signs.bot_wall:
        return Rejected(Stage.EXTRACT, url, str(Access.BOT_WALL), signs.bot_wall)

    loading.unwrap_layout_tables(tree)
    found = details.read_details(tree)
    doc = bare_extraction(tree, url=url, **trafilatura_options(settings))
    if not isinstance(doc, Document) or not doc.text:
        return _no_text(url, signs, "trafilatura found no main text")

    tags = cleanup.unique_tags([*found.tags, *found.categories])
    # the page's own view; build_article weighs it against the feed entry
    naming = metadata.decide(evidence, url=url)
    title, title_source = naming.title, naming.title_source
    if title is None and (
        title := metadata.clean_name(found.title or details.fallback_title(tree))
    ):
        title_source = "page"
    text = cleanup.clean_text(strip_controls(doc.text), title=title, tags=tags)
    if settings.include_comments and doc.comments:
        text = f"{text}\n{doc.comments}".strip()
    paywall = access.paywall_of(signs, text)
    if access.prompts_only(text) or (len(text) < settings.min_text_chars and paywall is None):
        return _no_text(url, signs, f"{len(text)} chars of text")
    capped = cap_text(
        text, max_chars=settings.max_text_chars, max_word_chars=settings.max_word_chars
    )

    if published is None:
        found_date = _find_markup_date(tree, details.page_url(found, tree, url))
        published = _htmldate_fallback(found_date, url, canonical, modified_days)
    if published is None:
        published = _htmldate_fallback(_find_text_date(tree), url, canonical, modified_days)
    return Extracted(
        url=url,
        text=capped.text,
        text_truncated=capped.truncated,
        title=title,
        title_source=title_source,
        author=metadata.clean_name(found.author),
        sitename=naming.sitename,
        sitename_source=naming.sitename_source,
        headlines=evidence.headlines,
        outlets=evidence.outlets,
        title_tag=evidence.title_tag,
        language=language,
        description=strip_controls(found.description),
        tags=tags,
        image=found.image,
        canonical_url=canonical,
        page_date=published.value if published else None,
        page_date_has_time=bool(published and published.has_time),
        access=str(Access.PAYWALLED if paywall else Access.OK),
    )


def _no_text(url: str, signs: access.Signs, detail: str) -> Rejected:
    """A page without article text, with the reason its markup gives when it gives one."""
    if signs.shell:
        return Rejected(Stage.EXTRACT, url, str(Access.JS_SHELL), f"{signs.shell}; {detail}")
    if wall := signs.declared or signs.marker or (signs.prompt and f"prompt:{signs.prompt}"):
        return Rejected(Stage.EXTRACT, url, str(Access.PAYWALLED), f"{wall}; {detail}")
    return Rejected(Stage.EXTRACT, url, "no_text", detail)


def trafilatura_options(settings: ExtractSettings) -> dict[str, Any]:
    """The options wirehouse gives `bare_extraction` (the benchmark's bare loop uses them too,
    so its extraction limit is measured with exactly these)."""
    return {
        "favor_precision": settings.favor_precision,
        "include_comments": settings.include_comments,
        "with_metadata": False,  # wirehouse reads the metadata itself (see `_extract`)
        "include_tables": True,
        "deduplicate": False,
    }


def _find_markup_date(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate without its free-text search: that search sends strings to dateparser, whose
    first use in a process compiles regexes for ~400 locales (6-8 s here), and it is only
    needed for the few pages without any date markup (see `_find_text_date`)."""
    return find_date(tree, original_date=True, extensive_search=False, max_date=_today(), url=url)


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _find_text_date(tree: HtmlElement) -> str | None:
    """htmldate's full search (free text such as "Posted Monday, March 3, 2025"), day only."""
    return find_date(tree, extensive_search=True, original_date=True, max_date=_today())


# no date markup and a date only dateparser reads (htmldate's full search); a text too short
# for trafilatura's own extractor (its justext rescue and the stop lists); a registrable host
# (courlan's public-suffix table)
WARM_UP_PAGE = (
    "https://news.warm-up.invalid/story",
    b"<html><head><title>Warm-up</title></head><body><div class='x'>"
    b"<span>Submitted by staff on Tue, 01/21/2025 - 19:03</span><br>"
    b"<p>A short sentence of warm-up text for the extractor.</p></div></body></html>",
)


def warm_up() -> None:
    """Pay the one-off costs of a fresh process (imports, dateparser's locale tables) now.

    The extraction pool runs this in its forkserver, so that every worker forked from it
    starts warm instead of spending seconds on its first page without date markup.
    """
    url, page = WARM_UP_PAGE
    extract_page(page, url, settings=ExtractSettings(workers=1))
    tree = loading.parse_html(page)
    if tree is not None:
        _find_text_date(tree)


def _htmldate_fallback(
    found: str | None, url: str, canonical: str | None, modified_days: set[date]
) -> dates.PageDate | None:
    """htmldate's day-only date, unless it is a modified date, a bare year or the URL's date.

    A date htmldate read from the URL is left to the URL rule of `choose_published`, so that
    the source is recorded as ``url``; one that equals a declared modified date is dropped.
    """
    parsed = dates.parse_timestamp(found)
    if parsed is None:
        return None
    day = parsed.value.date()
    if day in modified_days:
        return None
    if (day.month, day.day) == (1, 1):
        return None  # htmldate turns a bare year ("© 2025", copyrightYear) into 1 January
    for address in (url, canonical):
        from_url = dates.url_date(address)
        if from_url is not None and from_url.date() == day:
            return None
    return dates.PageDate(parsed.value, False)


def page_language(tree: HtmlElement) -> str | None:
    """The page's language ("en", `languages.primary_language`) from <html lang>,
    Content-Language, og:locale or a language meta tag: the first that names one."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates.append(tree.get("xml:lang"))
    for meta in tree.iter("meta"):
        key = loading.meta_key(meta, "http-equiv", "property", "name")
        if key in {"content-language", "og:locale", "language", "dc.language"}:
            candidates.append(meta.get("content"))
    for value in candidates:
        if language := primary_language(value or ""):
            return language
    return None


def canonical_url(tree: HtmlElement, url: str) -> str | None:
    """The page's declared canonical URL (link rel=canonical, else og:url), made absolute.

    A canonical pointing at the site's home page while the page itself is deeper is a CMS
    misconfiguration that would merge every article into one: it is ignored.
    """
    candidates = [
        link.get("href")
        for link in tree.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    candidates += [
        meta.get("content")
        for meta in tree.iter("meta")
        if loading.meta_key(meta, "property", "name") == "og:url"
    ]
    for href in candidates:
        if not href or not (href := web_url(href)):
            continue
        try:
            absolute = urljoin(url, href)
            parts = urlsplit(absolute)
        except ValueError:  # e.g. "http://[::1": a broken link is no identity, skip it
            continue
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            continue
        if parts.path in {"", "/"} and not parts.query and urlsplit(url).path not in {"", "/"}:
            logger.debug("ignoring home-page canonical %s for %s", absolute, url)
            continue
        return absolute
    return None
