"""The `ingest` flow: feeds -> entries -> pages -> articles -> duplicates -> warehouse, once.

This module reads the feeds (`fetch-feeds`, which feeds are due, their tallies); from the
entries on the run is `wirehouse.flows.pipeline`'s, shared with `backfill`.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import UTC, datetime
from functools import partial

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from wirehouse import progress
from wirehouse.config.parameters import IngestParameters
from wirehouse.config.settings import Settings
from wirehouse.errors import ConfigError
from wirehouse.extractors.pool import DeadlinePool, parse_in_worker, start_forkserver
from wirehouse.feeds.parse import parse_feed
from wirehouse.feeds.schedule import due_feeds
from wirehouse.flows.pipeline import (
    PipelineRun,
    fetching_run,
    load_entries,
    locked_run,
    publish_run,
    stoppable_run,
    timed,
    unvisited,
)
from wirehouse.flows.stopping import Stop
from wirehouse.records import (
    Entry,
    FeedOutcome,
    FeedSource,
    FeedState,
    Fetched,
    FetchKind,
    ParsedFeed,
    Rejected,
    RunSummary,
    Stage,
    is_deferral,
)
from wirehouse.warehouse.entries import Budget
from wirehouse.warehouse.runs import deferred_urls, feed_states


@task(name="fetch-feeds", cache_policy=NO_CACHE, persist_result=False)
async def fetch_feeds(
    run: PipelineRun, due: list[FeedSource], states: dict[str, FeedState]
) -> tuple[list[FeedOutcome], dict[str, str]]:
    """Fetch the due feeds concurrently (conditional GET) and parse what changed.

    Parsing runs in worker processes with a deadline (`extract.feed_parse_timeout_s`): a
    hostile feed can neither block the event loop, and every fetch with it, nor hold the run."""
    reporter = progress.current.get()
    reporter.total("feeds", len(due))
    body_hashes: dict[str, str] = {}
    extract = run.settings.extract
    parser = DeadlinePool(
        workers=min(2, extract.workers), max_calls_per_worker=extract.max_pages_per_worker
    )

    async def parse(source: FeedSource, fetched: Fetched) -> ParsedFeed:
        # parse_feed never raises (a malformed feed is an error value): every failure here is
        # the worker's, so the feed is parsed again next run whatever its validators say
        def failed(error: str) -> ParsedFeed:
            return ParsedFeed(
                feed_url=source.url,
                title=None,
                site_url=None,
                entries=(),
                error=error,
                unfinished=True,
            )

        parse_one = partial(parse_feed, rules=source.rules)
        return await parse_in_worker(
            parser, parse_one, fetched, extract, label=source.url, failed=failed
        )

    deadline = min(run.deadline, time.monotonic() + run.settings.http.feed_stage_deadline_s)

    async def one(source: FeedSource) -> FeedOutcome:
        state = states.get(source.url)
        fetched = await run.fetcher.fetch(
            source.url,
            kind=FetchKind.FEED,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
            profile=run.fetcher.profile_for(source),
            deadline=deadline,
        )
        reporter.advance("feeds")
        if not fetched.ok or fetched.body is None:
            return FeedOutcome(source, fetched)
        digest = hashlib.sha256(fetched.body).hexdigest()
        body_hashes[source.url] = digest
        if state is not None and state.body_hash == digest:
            return FeedOutcome(source, fetched)  # a 200 with the same bytes: nothing new
        return FeedOutcome(source, fetched, await parse(source, fetched))

    with parser:  # cancelled (a stop signal): its workers are killed on the way out
        outcomes = await asyncio.gather(*(one(s) for s in due))
    return list(outcomes), body_hashes


@flow(name="ingest", log_prints=False)
async def ingest(
    feeds: list[str] | None = None,
    feeds_file: str | None = None,
    db: str | None = None,
    shard: str | None = None,
    data_path: str | None = None,
) -> RunSummary | State:
    """Fetch every due feed, load its new articles into the warehouse, and report counts.

    `shard` ("I/N") keeps only the feeds of that shard (`wirehouse.config.shards`), so N
    workers can share one feed list.

    Final states: feeds or pages that fail leave the run Completed (they are counted, stored and
    published in the `ingest-failures` artifact); a warehouse that cannot be opened fails the
    run (`WarehouseError`); a warehouse another run is writing to ends this run Cancelled with
    "skipped: ..." without touching anything, as it is the other run that does the work.

    Stopping: past `run_deadline_s` no more pages are extracted, and SIGTERM or SIGINT end the
    run within `stop_grace_s` (`wirehouse.flows.stopping`; Cancelled, "stopped by ..."). Either
    way what was loaded stays, the run is recorded as aborted, and feed validators are not
    saved, so the next run reads the feeds again and takes up the rest.
    """
    asked = IngestParameters(
        feeds=tuple(feeds or ()), feeds_file=feeds_file, db=db, data_path=data_path, shard=shard
    )
    settings = asked.settings()
    return await stoppable_run(
        settings, lambda summary, stop: _ingest(settings, summary, stop, asked)
    )


async def _ingest(
    settings: Settings,
    summary: RunSummary,
    stop: Stop,
    asked: IngestParameters,
) -> RunSummary:
    logger = get_run_logger()
    deadline = time.monotonic() + settings.run_deadline_s
    warehouse = settings.warehouse
    sources = asked.sources(settings)
    if not sources:
        raise ConfigError("no feeds to fetch: give --feed URL or a feed list with enabled feeds")
    now = datetime.now(UTC)
    with locked_run(
        warehouse, summary, now=now, read=lambda con: (feed_states(con), deferred_urls(con, now))
    ) as (states, deferred):
        start_forkserver()  # feeds are parsed in workers forked from it: it warms up meanwhile
        decisions = due_feeds(sources, states, now=now)
        due = [d.source for d in decisions if d.due]
        summary.feeds_total = len(decisions)
        summary.feeds_skipped = len(decisions) - len(due)

        budget = Budget(
            per_feed=settings.budget.max_entries_per_feed,
            per_run=settings.budget.max_pages_per_run,
        )
        async with fetching_run(
            settings, summary, sources, deadline=deadline, budget=budget, deferred=deferred
        ) as run:
            with timed(summary, "fetch_feeds"):
                outcomes, body_hashes = await fetch_feeds(unvisited(run), due, states)
            entries = _tally_feeds(summary, outcomes)
            for o in outcomes:
                if o.fetched and (o.fetched.error or (o.parsed and o.parsed.error)):
                    logger.warning(
                        "feed %s: %s",
                        o.source.url,
                        o.fetched.error or (o.parsed and o.parsed.error),
                    )

            await load_entries(run, entries, stop, outcomes, body_hashes)
    await publish_run(
        run,
        f"{summary.feeds_fetched} feeds fetched, {summary.feeds_not_modified} not modified, "
        f"{summary.feeds_failed} failed",
    )
    return summary


def _tally_feeds(summary: RunSummary, outcomes: list[FeedOutcome]) -> list[Entry]:
    """Count the feeds into the summary (fetched, not modified, failed) and gather their entries;
    a feed whose host asked for a pause is rejected with that reason but not counted failed."""
    entries: list[Entry] = []
    for o in outcomes:
        f = o.fetched
        if f is None:
            continue
        if f.not_modified or (f.ok and o.parsed is None):
            summary.feeds_not_modified += 1
        elif f.ok:
            summary.feeds_fetched += 1
            if o.parsed is not None:
                entries.extend(o.parsed.entries)
                summary.entries_unlinked += o.parsed.unlinked  # kept nowhere: the run says so
                if o.parsed.error and not o.parsed.entries:
                    summary.feeds_failed += 1
                    summary.rejected.append(Rejected(Stage.FEED, o.source.url, o.parsed.error))
        else:
            if not is_deferral(f.error):  # a host's pause is no failure of its feed
                summary.feeds_failed += 1
            summary.rejected.append(
                Rejected(Stage.FEED, o.source.url, f.error or f"http_{f.status}")
            )
    summary.entries_seen = len(entries)
    return entries
