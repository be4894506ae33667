"""The `backfill` flow: sitemaps -> entries, then the ingest pipeline from the entries on.

A site's past articles are listed in its sitemaps, not in its feed. Reading them is this flow's
own stage (`read-sitemaps`); the rest (triage and budgets, politeness, extraction, dedup,
stories, the run's record) is `pipeline.load_entries`, the same code the feeds go through, so a
backfilled URL already seen through a feed is one more sighting, not a second article.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from wirehouse.config.feedlist import load_feed_list, sources_from_urls
from wirehouse.config.settings import Settings, load_settings
from wirehouse.errors import ConfigError
from wirehouse.extractors.pool import start_forkserver
from wirehouse.feeds.sitemap import (
    SitemapLimits,
    SitemapRead,
    bare_host,
    read_sitemaps,
    sitemaps_in_robots,
)
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
from wirehouse.warehouse.entries import Budget
from wirehouse.warehouse.runs import deferred_urls


@task(name="read-sitemaps", cache_policy=NO_CACHE, persist_result=False)
async def read_all_sitemaps(
    fetcher: Fetcher, sources: list[FeedSource], limits: SitemapLimits, since: datetime | None
) -> list[SitemapRead]:
    """Walk each address's sitemaps (concurrently; the fetcher keeps each host polite), each
    under its feed-list rules: their User-Agent and host limits, and their timezone."""

    async def walk(source: FeedSource) -> SitemapRead:
        profile = fetcher.profile_for(source)

        async def fetch(url: str) -> Fetched:
            return await fetcher.fetch(
                url, kind=FetchKind.SITEMAP, profile=profile, max_bytes=limits.max_bytes
            )

        async def robots(site: str) -> list[str]:
            # the rules its pages obey, from the same (one) fetch of the site's robots.txt
            rules = await fetcher.robots_rules(site, profile)
            return sitemaps_in_robots(rules.parser, urljoin(site, "/robots.txt"))

        zone = ZoneInfo(source.rules.timezone) if source.rules.timezone else UTC
        return await read_sitemaps(source.url, fetch, robots, limits=limits, since=since, zone=zone)

    return list(await asyncio.gather(*(walk(s) for s in sources)))


def backfill_sources(settings: Settings, sitemaps: list[str]) -> list[FeedSource]:
    """The addresses as sources (a ConfigError names one that is not an http(s) URL), each with
    the rules of the feed-list entry on its site, if any: its fetch profile, robots.txt choice
    and timezone apply to its sitemaps and pages."""
    sources = sources_from_urls(sitemaps, what="--sitemap")
    try:
        listed = load_feed_list(settings.feeds_file) if settings.feeds_file.exists() else []
    except ConfigError as exc:
        get_run_logger().warning("feed list not read, no per-source rules apply: %s", exc)
        listed = []
    by_site: dict[str, FeedSource] = {}
    for feed in listed:
        by_site.setdefault(bare_host(feed.url), feed)
    return [
        replace(by_site[bare_host(s.url)], url=s.url) if bare_host(s.url) in by_site else s
        for s in sources
    ]


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
    undated pages are kept. Pages past `backfill.max_pages_per_run` are stored `pending` and
    fetched by the next backfill of the same sitemaps. Final states
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
    sources = backfill_sources(settings, sitemaps)
    # one address is one "feed" of the run: the backfill's own budget, not a feed's
    pages = settings.backfill.max_pages_per_run
    budget = Budget(per_feed=pages, per_run=pages)
    now = datetime.now(UTC)
    since_at = parse_since(since, now=now) if since else None
    warehouse = settings.warehouse
    with locked_run(
        warehouse, summary, now=now, read=lambda con: deferred_urls(con, now)
    ) as deferred:
        if not settings.extract.dask_address:  # its pages go to workers here: warm them up
            start_forkserver()
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
        deadline = time.monotonic() + settings.run_deadline_s
        async with fetching_run(
            settings,
            summary,
            sources,
            deadline=deadline,
            budget=budget,
            deferred=deferred,
            share_hosts=False,
        ) as run:
            with timed(summary, "fetch_feeds"):
                reads = await read_all_sitemaps(run.fetcher, sources, limits, since_at)
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
        summary.feeds_total += len(read.sitemaps)
        # as for feeds: fetched is any sitemap that came back, failed any with a problem recorded
        summary.feeds_fetched += len(
            {f.url for f in read.fetches if f.ok and f.kind is FetchKind.SITEMAP}
        )
        # a sitemap cut short by the limits or the deadline is not a failed one
        summary.feeds_failed += len(set(read.failed))
        summary.rejected.extend(read.rejected)
        summary.entries_seen += len(read.entries)
