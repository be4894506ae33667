"""The `reextract` flow: run extraction again over the stored raw pages, with no network.

After an extractor upgrade or a settings change, every article whose text comes out different
gets a new version (the earlier text stays in `article_versions`); the rest is untouched.
The feed list's per-source rules (`timezone`, `language`, `prefer_feed_text`) apply as at
ingest; an article whose text is its feed's by `prefer_feed_text` has nothing to re-extract.
"""

from __future__ import annotations

import asyncio
import zlib
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from wirehouse.config.feedlist import load_feed_list
from wirehouse.config.settings import Settings, load_settings
from wirehouse.dedup.exact import Known, Outcome, decide_exact
from wirehouse.errors import ConfigError
from wirehouse.extractors.pool import ExtractionPool
from wirehouse.records import Article, Entry, Page, SourceRules
from wirehouse.warehouse.articles import load_batch
from wirehouse.warehouse.connection import run_lock, session, transaction
from wirehouse.warehouse.migrate import migrate

_LATEST_PAGES = """
    SELECT a.article_id, a.url, a.url_key, a.feed_url, a.title, a.published_at,
           a.published_at_source, a.body_source, a.content_hash, a.version, p.url, r.html_zlib,
           p.content_type, p.fetched_at,
           (SELECT f.title FROM feeds f WHERE f.feed_url = a.feed_url) AS channel_title
    FROM articles a
    JOIN (SELECT *, row_number() OVER (PARTITION BY article_id, url ORDER BY fetched_at DESC)
                 AS n
          FROM pages) p  -- the article's own page: copies' pages are kept under its id too
        ON p.article_id = a.article_id AND p.url = a.url AND p.n = 1
    JOIN raw_pages r ON r.raw_hash = p.raw_hash  -- one stored copy per payload
    WHERE a.article_id IN (SELECT unnest(?::VARCHAR[]))
"""


@task(task_run_name="reextract-batch-{index}", cache_policy=NO_CACHE, persist_result=False)
async def reextract_batch(
    settings: Settings,
    pool: ExtractionPool,
    index: int,
    article_ids: list[str],
    rules: dict[str, SourceRules],
) -> dict[str, int]:
    """Extract one batch of stored pages again and load the texts that changed."""
    with session(settings.warehouse) as con:
        rows = con.execute(_LATEST_PAGES, [article_ids]).fetchall()
    pages: list[Page] = []
    known: dict[str, Known] = {}
    for (
        aid,
        url,
        url_key,
        feed_url,
        title,
        published,
        source,
        body_source,
        chash,
        version,
        page_url,
        html,
        ctype,
        fetched_at,
        channel_title,
    ) in rows:
        feed_rules = rules.get(feed_url or "", SourceRules())
        if feed_rules.prefer_feed_text and body_source == "feed":
            continue  # its text is the feed's, which no page changes
        entry = Entry(
            feed_url=feed_url or "",
            url=url,
            url_key=url_key,
            guid=None,
            title=title,
            published_at=published if source == "feed" else None,
            feed_title=channel_title,  # evidence of the outlet's name, as at ingest
            rules=feed_rules,
        )
        pages.append(Page(entry, page_url, zlib.decompress(html), ctype, fetched_at))
        known[url_key] = Known(aid, chash, version)
    results = await asyncio.wrap_future(pool.submit(pages)) if pages else []
    articles = [r for r in results if isinstance(r, Article)]
    decisions = decide_exact(articles, by_canonical={}, by_hash={}, refetched=known)
    with session(settings.warehouse) as con, transaction(con):
        load_batch(con, "reextract", decisions, now=datetime.now(UTC))
    return {
        "pages": len(pages),
        "changed": sum(d.outcome is Outcome.VERSION for d in decisions),
        "unchanged": sum(d.outcome is Outcome.UNCHANGED for d in decisions),
        "rejected": len(results) - len(articles),
    }


@flow(name="reextract")
async def reextract(db: str | None = None, data_path: str | None = None) -> dict[str, int]:
    """Re-run extraction over every article's latest stored page."""
    logger = get_run_logger()
    settings = load_settings(db=db, data_path=data_path)
    rules = _feed_rules(settings)
    totals = {"pages": 0, "changed": 0, "unchanged": 0, "rejected": 0}
    with run_lock(settings.warehouse):
        with session(settings.warehouse) as con:
            migrate(con)
            ids = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT article_id FROM pages ORDER BY article_id"
                ).fetchall()
            ]
        size = settings.extract.batch_size
        with ExtractionPool(settings.extract) as pool:
            for index, start in enumerate(range(0, len(ids), size), 1):
                batch = ids[start : start + size]
                counts = await reextract_batch(settings, pool, index, batch, rules)
                for key, value in counts.items():
                    totals[key] += value
    logger.info("re-extracted %(pages)d pages: %(changed)d changed", totals)
    return totals


def _feed_rules(settings: Settings) -> dict[str, SourceRules]:
    """Each listed feed's rules, so re-extraction reads dates, language and text as ingest did;
    without a readable feed list the pages are re-extracted without any (and a warning)."""
    try:
        return {s.url: s.rules for s in load_feed_list(settings.feeds_file)}
    except ConfigError as exc:
        get_run_logger().warning("feed list not read, no per-source rules apply: %s", exc)
        return {}
