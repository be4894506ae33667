"""The `backfill` flow: sitemaps -> entries, then the ingest pipeline from the entries on.

A site's past articles are listed in its sitemaps, not in its feed. Reading them is this flow's
own stage (`read-sitemaps`); the rest (triage and budgets, politeness, extraction, dedup,
stories, the run's record) is `ingest.load_entries`, the same code the feeds go through, so a
backfilled URL already seen through a feed is one more sighting, not a second article.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Cancelled, State

from wirehouse.config.feedlist import load_feed_list, sources_from_urls
from wirehouse.config.settings import BudgetSettings, Settings, load_settings
from wirehouse.errors import ConfigError, WarehouseBusy
from wirehouse.feeds.sitemap import (
    SitemapLimits,
    SitemapRead,
    read_sitemaps,
    site_of,
    sitemaps_in_robots,
)
from wirehouse.fetch.client import Fetcher
from wirehouse.flows.artifacts import publish_digest_link, publish_summary
from wirehouse.flows.ingest import _record_abort, _Run, _timed, load_entries
from wirehouse.flows.stopping import Stop, stop_on_signals
from wirehouse.records import FeedSource, Fetched, FetchKind, RunSummary
from wirehouse.timespec import parse_since
from wirehouse.urls import url_origin
from wirehouse.warehouse.connection import DB_WAIT_S, run_lock, session
from wirehouse.warehouse.entries import Triage
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.runs import close_abandoned_runs, start_run


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
        by_site.setdefault(site_of(feed.url), feed)
    return [
        replace(by_site[site_of(s.url)], url=s.url) if site_of(s.url) in by_site else s
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
    undated pages are kept. Budgets apply as in `ingest`: pages past `budget.max_pages_per_run`
    are stored `pending` and fetched by the next backfill of the same sitemaps. Final states
    and stopping are `ingest`'s.
    """
    settings = load_settings(db=db, data_path=data_path)
    summary = RunSummary(run_id=uuid.uuid4().hex[:12])
    with stop_on_signals(grace_s=settings.stop_grace_s) as stop:
        try:
            return await _backfill(settings, summary, stop, sitemaps=sitemaps, since=since)
        except asyncio.CancelledError:
            if not stop.requested:
                raise
            await asyncio.to_thread(_record_abort, settings.warehouse, summary, stop.reason)
            get_run_logger().warning("run %s %s", summary.run_id, stop.reason)
            return Cancelled(message=stop.reason)


async def _backfill(
    settings: Settings,
    summary: RunSummary,
    stop: Stop,
    *,
    sitemaps: list[str],
    since: str | None,
) -> RunSummary | State:
    logger = get_run_logger()
    if not sitemaps:
        raise ConfigError("no sitemap to read: give --sitemap URL")
    sources = backfill_sources(settings, sitemaps)
    # one address is one "feed" of the run: the backfill's own budget, not a feed's
    pages = settings.backfill.max_pages_per_run
    budget = BudgetSettings(max_entries_per_feed=pages, max_pages_per_run=pages)
    settings = settings.model_copy(update={"budget": budget})
    now = datetime.now(UTC)
    since_at = parse_since(since, now=now) if since else None
    warehouse = settings.warehouse
    run_id = summary.run_id
    lock = ExitStack()
    try:
        lock.enter_context(run_lock(warehouse))
    except WarehouseBusy as exc:
        logger.warning("skipped: %s", exc)
        return Cancelled(message=f"skipped: {exc}")
    with lock:
        with _timed(summary, "open"), session(warehouse, wait_s=DB_WAIT_S) as con:
            migrate(con)
            dead_before = now - timedelta(days=1) if warehouse.is_lake else None
            if aborted := close_abandoned_runs(con, started_before=dead_before):
                logger.warning("%d earlier run(s) had died before finishing: aborted", aborted)
            start_run(con, run_id, flow_run_id=flow_run.id, started_at=now)
        bounds = settings.backfill
        limits = SitemapLimits(
            max_bytes=bounds.max_sitemap_bytes,
            max_urls=bounds.max_urls,
            max_sitemaps=bounds.max_sitemaps,
            max_depth=bounds.max_depth,
            deadline_s=bounds.deadline_s,
        )
        operator_hosts = {url_origin(s.url) for s in sources}
        async with Fetcher(settings.http, operator_hosts=operator_hosts) as fetcher:
            run = _Run(
                settings=settings,
                db=warehouse,
                run_id=run_id,
                fetcher=fetcher,
                pool=None,
                # each address is the `feed_url` of its pages: a later backfill of it retries
                # the pages this one left pending (and robots.txt is obeyed for all of them)
                sources={s.url: s for s in sources},
                triage=Triage(),
                summary=summary,
                deadline=time.monotonic() + settings.run_deadline_s,
            )
            with _timed(summary, "fetch_feeds"):
                reads = await read_all_sitemaps(fetcher, sources, limits, since_at)
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
    await publish_summary(summary)
    if run.digest is not None:
        await publish_digest_link(run.digest)
    logger.info(
        "run %s: %d sitemaps read, %d failed; %d pages listed, %d new articles, %d duplicates",
        run_id,
        summary.feeds_fetched,
        summary.feeds_failed,
        summary.entries_seen,
        summary.new_articles,
        sum(summary.duplicates.values()),
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
