"""The `reextract` flow: run extraction again over the stored raw pages, with no network.

After an extractor upgrade or a settings change, every article whose text comes out different
in a way that matters (`dedup.versions`) gets a new version (the earlier text stays in
`article_versions`); the rest is untouched. Re-extracted texts go through the same
deduplication stage as fetched ones (`warehouse.dedupe`), daily version cap included.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from wirehouse.config.settings import Settings, load_settings
from wirehouse.extractors.backend import open_pool
from wirehouse.extractors.pool import BatchPool
from wirehouse.records import Article, Outcome
from wirehouse.warehouse.connection import DB_WAIT_S, run_lock, session, write_atomically
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.pages import articles_with_pages, latest_pages


@task(task_run_name="reextract-batch-{index}", cache_policy=NO_CACHE, persist_result=False)
async def reextract_batch(
    settings: Settings, pool: BatchPool, index: int, article_ids: list[str]
) -> dict[str, int]:
    """Extract one batch of stored pages again and load the texts that changed."""
    with session(settings.warehouse, wait_s=DB_WAIT_S) as con:
        stored = latest_pages(con, article_ids)
    pages = [page for page, _ in stored]
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
            ),
        )
    return {
        "pages": len(pages),
        "changed": sum(d.outcome is Outcome.VERSION for d in done.decisions),
        "unchanged": sum(d.outcome is Outcome.UNCHANGED for d in done.decisions),
        "rejected": len(results) - len(articles),
    }


@flow(name="reextract")
async def reextract(db: str | None = None, data_path: str | None = None) -> dict[str, int]:
    """Re-run extraction over every article's latest stored page."""
    logger = get_run_logger()
    settings = load_settings(db=db, data_path=data_path)
    totals = {"pages": 0, "changed": 0, "unchanged": 0, "rejected": 0}
    with run_lock(settings.warehouse):
        with session(settings.warehouse, wait_s=DB_WAIT_S) as con:
            migrate(con)
            ids = articles_with_pages(con)
        size = settings.extract.batch_size
        with open_pool(settings.extract) as pool:
            for index, start in enumerate(range(0, len(ids), size), 1):
                counts = await reextract_batch(settings, pool, index, ids[start : start + size])
                for key, value in counts.items():
                    totals[key] += value
    logger.info("re-extracted %(pages)d pages: %(changed)d changed", totals)
    return totals
