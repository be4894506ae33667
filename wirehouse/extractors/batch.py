"""Extract a batch of pages: the unit of work of one extraction worker process.

`extract_batch` is a top-level function of an importable module so that it pickles by name
into a worker; it returns one result per page, in order, and never raises for one page.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors import access, jsonld, loading
from wirehouse.extractors.article import build_article
from wirehouse.extractors.page import extract_page
from wirehouse.records import Access, Article, Extracted, Page, Rejected, Stage
from wirehouse.warc import raw_record

logger = logging.getLogger(__name__)


def extract_one(page: Page, settings: ExtractSettings) -> Article | Rejected:
    """One page to an `Article` (with the page as a WARC record for the archive) or a
    `Rejected`."""
    try:
        if page.refused is not None:
            return refusal(page)
        zone = page.entry.rules.timezone
        result = extract_page(
            page.body,
            page.final_url,
            settings=settings,
            zone=ZoneInfo(zone) if zone else None,
        )
        if not isinstance(result, Extracted):
            return result
        article = build_article(page, result)
        raw = raw_record(page.final_url, page.fetched_at, page.content_type, page.body)
        return dataclasses.replace(article, raw=raw)
    except Exception as exc:  # a bug for one page must not lose the other pages of the batch
        logger.warning("building the article failed for %s: %s", page.final_url, exc)
        return Rejected(
            Stage.EXTRACT, page.final_url, "extract_error", f"{type(exc).__name__}: {exc}"[:500]
        )


def refusal(page: Page) -> Rejected:
    """A refused page (`page.refused`, e.g. ``http_403``): ``bot_wall`` when its body is a
    challenge, else the refusal itself, as the fetch reported it."""
    tree = loading.parse_html(page.body) if loading.sniff_not_html(page.body) is None else None
    if tree is not None:
        wall = access.read_signs(tree, jsonld.read_nodes(tree)).bot_wall
        if wall is not None:
            return Rejected(
                Stage.PAGE, page.entry.url, str(Access.BOT_WALL), f"{page.refused} {wall}"
            )
    return Rejected(Stage.PAGE, page.entry.url, str(page.refused))


def extract_batch(pages: Sequence[Page], settings: ExtractSettings) -> list[Article | Rejected]:
    """Extract every page of the batch; results are in the order of `pages`."""
    return [extract_one(page, settings) for page in pages]
