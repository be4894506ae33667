"""The `backfill` flow: sitemaps -> entries, then the ingest pipeline from the entries on.

A site's past articles are listed in its sitemaps, not in its feed. Reading them is this flow's
own stage (`read-sitemaps`); the rest (triage and budgets, politeness, extraction, dedup,
stories, the run's record) is `pipeline.load_entries`, the same code the feeds go through, so a
backfilled URL already seen through a feed is one more sighting, not a second article.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from wirehouse.config.settings import Settings, load_settings
from wirehouse.errors import ConfigError
from wirehouse.feeds.sitemap import SitemapLimits, SitemapRead, read_sitemaps
from wirehouse.fetch.client import Fetcher
from wirehouse.flows.pipeline import (
    fetching_run,
    load_entries,
    locked_run,
    publish_run,
    stoppable_run,
    timed,
)
from wirehouse.flows.stopping import Stop
from wirehouse.records import FeedSource, Fetched, FetchKind, RunSummary
from wirehouse.timespec import parse_since


@task(name="read-sitemaps", cache_policy=NO_CACHE, persist_result=False)
async def read_all_sitemaps(
    fetcher: Fetcher, sitemaps: list[str], limits: SitemapLimits, since: datetime | None
) -> list[SitemapRead]:
    """Walk each address's sitemaps (concurrently; the fetcher keeps each host polite)."""

    async def fetch(url: str, kind: FetchKind) -> Fetched:
        return await fetcher.fetch(url, kind=kind)

    return list(
        await asyncio.gather(
            *(read_sitemaps(url, fetch, limits=limits, since=since) for url in sitemaps)
        )
    )


@flow(name="backfill", log_prints=False)
async def backfill(
    sitemaps: list[str],
    since: str | None = None,
    db: str | None = None,
    data_path: str | None = None,
) -> RunSummary | State:
    """Load the articles a site's sitemaps list, through the same pipeline as the feeds.

    `sitemaps` are sitemap or sitemap index URLs, or site addresses (their robots.txt names
    their sitemaps). `since` (a date, or a span like "7d") keeps only pages dated from then on;
    undated pages are kept. Budgets apply as in `ingest`: pages past `budget.max_pages_per_run`
    are stored `pending` and fetched by the next backfill of the same sitemaps. Final states
    and stopping are `ingest`'s.
    """
    settings = load_settings(db=db, data_path=data_path)
    return await stoppable_run(
        settings,
        lambda summary, stop: _backfill(settings, summary, stop, sitemaps=sitemaps, since=since),
    )


async def _backfill(
    settings: Settings,
    summary: RunSummary,
    stop: Stop,
    *,
    sitemaps: list[str],
    since: str | None,
) -> RunSummary:
    logger = get_run_logger()
    if not sitemaps:
        raise ConfigError("no sitemap to read: give --sitemap URL")
    now = datetime.now(UTC)
    since_at = parse_since(since, now=now) if since else None
    warehouse = settings.warehouse
    with locked_run(warehouse, summary, now=now, read=lambda _: None):
        bounds = settings.backfill
        limits = SitemapLimits(
            max_bytes=bounds.max_sitemap_bytes,
            max_urls=bounds.max_urls,
            max_sitemaps=bounds.max_sitemaps,
            max_depth=bounds.max_depth,
            deadline_s=bounds.deadline_s,
        )
        # each address is the `feed_url` of its pages: a later backfill of it retries the pages
        # this one left pending (and robots.txt is obeyed for all of them)
        sources = [FeedSource(url) for url in sitemaps]
        deadline = time.monotonic() + settings.run_deadline_s
        async with fetching_run(settings, summary, sources, deadline=deadline) as run:
            with timed(summary, "fetch_feeds"):
                reads = await read_all_sitemaps(run.fetcher, sitemaps, limits, since_at)
            entries = [e for r in reads for e in r.entries]
            fetches = [f for r in reads for f in r.fetches]
            _tally(summary, reads)
            for read in reads:
                for r in read.rejected:
                    logger.warning("sitemap %s: %s", r.url, r.reason)
                logger.info(
                    "%d sitemaps read: %d pages, %d undated kept, %d older than --since left out",
                    len(read.sitemaps),
                    len(read.entries),
                    read.undated,
                    read.too_old,
                )
            await load_entries(run, entries, stop, [], {}, fetches)
    await publish_run(
        run,
        f"{summary.feeds_fetched} sitemaps read, {summary.feeds_failed} failed, "
        f"{summary.entries_seen} pages listed",
    )
    return summary


def _tally(summary: RunSummary, reads: list[SitemapRead]) -> None:
    """Sitemaps count as the run's feeds in its summary and `runs` row."""
    for read in reads:
        # rejections of sitemaps left unread (limits, deadline) are not failed sitemaps
        failed = {r.url for r in read.rejected} & set(read.sitemaps)
        summary.feeds_total += len(read.sitemaps)
        # as for feeds: fetched is any sitemap that came back, failed any with a problem recorded
        summary.feeds_fetched += len(
            {f.url for f in read.fetches if f.ok and f.kind is FetchKind.FEED}
        )
        summary.feeds_failed += len(failed)
        summary.rejected.extend(read.rejected)
        summary.entries_seen += len(read.entries)
