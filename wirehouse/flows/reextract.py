"""The `reextract` flow: run extraction again over the stored raw pages, with no network.

After an extractor upgrade or a settings change, every article whose text comes out different
in a way that matters (`dedup.versions`) gets a new version (the earlier text stays in
`article_versions`); the rest is untouched. Re-extracted texts go through the same
deduplication stage as fetched ones (`warehouse.dedupe`), daily version cap included. The feed
list's per-source rules (`timezone`, `language`, `prefer_feed_text`) apply as at ingest; an
article whose text is its feed's by `prefer_feed_text` has nothing to re-extract.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from wirehouse.config.feedlist import load_feed_list
from wirehouse.config.settings import Settings, load_settings
from wirehouse.errors import ConfigError
from wirehouse.extractors.backend import open_pool
from wirehouse.extractors.pool import BatchPool
from wirehouse.records import Article, Outcome, SourceRules
from wirehouse.warehouse.connection import DB_WAIT_S, run_lock, session, write_atomically
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.pages import articles_with_pages, latest_pages


@task(task_run_name="reextract-batch-{index}", cache_policy=NO_CACHE, persist_result=False)
async def reextract_batch(
    settings: Settings,
    pool: BatchPool,
    index: int,
    article_ids: list[str],
    rules: Mapping[str, SourceRules],
) -> dict[str, int]:
    """Extract one batch of stored pages again and load the texts that changed."""
    with session(settings.warehouse, wait_s=DB_WAIT_S) as con:
        stored, unreadable = latest_pages(con, article_ids)
    for error in unreadable:
        get_run_logger().warning("stored page not re-extracted: %s", error)
    pages = [
        replace(
            page, entry=replace(page.entry, rules=rules.get(page.entry.feed_url, SourceRules()))
        )
        for page, _ in stored
    ]
    known = {page.entry.url_key: article for page, article in stored}
    results = await asyncio.wrap_future(pool.submit(pages)) if pages else []
    articles = [r for r in results if isinstance(r, Article)]
    with session(settings.warehouse, wait_s=DB_WAIT_S) as con:
        done = write_atomically(
            con,
            lambda c: dedupe_and_load(
                c,
                "reextract",
                articles,
                settings=settings.dedup,
                now=datetime.now(UTC),
                refetched=known,
                fetched_now=False,
            ),
        )
    return {
        "pages": len(pages),
        "changed": sum(d.outcome is Outcome.VERSION for d in done.decisions),
        "unchanged": sum(d.outcome is Outcome.UNCHANGED for d in done.decisions),
        "rejected": len(results) - len(articles),
        "unreadable": len(unreadable),
    }


@flow(name="reextract")
async def reextract(db: str | None = None, data_path: str | None = None) -> dict[str, int]:
    """Re-run extraction over every article's latest stored page."""
    logger = get_run_logger()
    settings = load_settings(db=db, data_path=data_path)
    rules = _feed_rules(settings)
    feed_text = [url for url, r in rules.items() if r.prefer_feed_text]
    totals = {"pages": 0, "changed": 0, "unchanged": 0, "rejected": 0, "unreadable": 0}
    with run_lock(settings.warehouse):
        with session(settings.warehouse, wait_s=DB_WAIT_S) as con:
            migrate(con)
            ids = articles_with_pages(con, except_feed_text_of=feed_text)
        size = settings.extract.batch_size
        with open_pool(settings.extract) as pool:
            for index, start in enumerate(range(0, len(ids), size), 1):
                batch = ids[start : start + size]
                counts = await reextract_batch(settings, pool, index, batch, rules)
                for key, value in counts.items():
                    totals[key] += value
    logger.info(
        "re-extracted %(pages)d pages: %(changed)d changed, %(unreadable)d unreadable", totals
    )
    return totals


def _feed_rules(settings: Settings) -> dict[str, SourceRules]:
    """Each listed feed's rules, so re-extraction reads dates, language and text as ingest did;
    without a readable feed list the pages are re-extracted without any (and a warning)."""
    try:
        return {s.url: s.rules for s in load_feed_list(settings.feeds_file)}
    except ConfigError as exc:
        get_run_logger().warning("feed list not read, no per-source rules apply: %s", exc)
        return {}
