"""The part of a loading run after its entries, shared by `ingest` (feeds) and `backfill`
(sitemaps): triage, pages, extraction, dedup and loading, the run's record, and the run's
opening (lock, migrations, start) and ending (stop signals, artifacts).

Prefect sees a few tasks per run (`triage-entries`, `extract-batch-N`, `finish-run`), never one
per article: a task run costs tens of milliseconds. Each batch task fetches its pages, extracts
them in worker processes, deduplicates and loads them in one transaction, and several batches
are in flight at once so both cores keep extracting while the event loop fetches and loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections import Counter
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Cancelled, State
from prefect.utilities.annotations import quote

from wirehouse import progress
from wirehouse.config.location import Warehouse
from wirehouse.config.settings import Settings
from wirehouse.dedup.canonical import trusted_pairs
from wirehouse.errors import WarehouseBusy, WirehouseError
from wirehouse.extractors.article import article_from_feed, pending_article, pending_articles
from wirehouse.extractors.backend import open_pool
from wirehouse.extractors.pool import BatchPool
from wirehouse.feeds.batches import batches
from wirehouse.fetch.client import Fetcher
from wirehouse.flows.artifacts import PageProgress, publish_digest_link, publish_summary
from wirehouse.flows.stopping import Stop, stop_on_signals
from wirehouse.flows.watches import watch_stories
from wirehouse.records import (
    Article,
    Entry,
    FeedOutcome,
    FeedSource,
    Fetched,
    FetchKind,
    Page,
    Rejected,
    RunSummary,
    Stage,
    is_deferral,
)
from wirehouse.urls import url_origin
from wirehouse.warehouse import archive
from wirehouse.warehouse.articles import load_batch, record_page_failures, store_pending
from wirehouse.warehouse.connection import (
    DB_WAIT_S,
    publish_read_copy,
    read_copy_due,
    run_lock,
    session,
    write_atomically,
)
from wirehouse.warehouse.dedupe import Deduped, dedupe_and_load
from wirehouse.warehouse.digest import write_digest
from wirehouse.warehouse.entries import (
    Budget,
    RefetchPolicy,
    Triage,
    apply_budget,
    triage_entries,
)
from wirehouse.warehouse.held import HeldSession
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.retention import prune_and_commit, prune_due
from wirehouse.warehouse.runs import (
    close_abandoned_runs,
    finish_run,
    record_fetches,
    save_feed_outcomes,
    start_run,
)
from wirehouse.warehouse.search import refresh_due, refresh_index

_T = TypeVar("_T")

# a loading flow's own part, given the run's summary and its stop (`stoppable_run`)
FlowBody = Callable[[RunSummary, Stop], Awaitable[RunSummary | State]]


@contextmanager
def timed(summary: RunSummary, stage: str) -> Iterator[None]:
    """Add the block's wall time to the summary's `stage_seconds[stage]`, so a run shows
    where its time went."""
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + seconds


class RunDeadline(Exception):
    """The run reached `run_deadline_s`: no more pages are extracted this run."""


@dataclass
class PipelineRun:
    """What the tasks of one run share, whatever read its entries (feeds or sitemaps); lives
    for one flow run only."""

    settings: Settings
    db: Warehouse
    run_id: str
    fetcher: Fetcher
    pool: BatchPool | None
    sources: dict[str, FeedSource]
    triage: Triage
    summary: RunSummary
    # the pages the run may fetch: `settings.budget` for feeds, the backfill's own for sitemaps
    budget: Budget
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    loader: HeldSession | None = None
    digest: Path | None = None
    page_progress: PageProgress = field(default_factory=PageProgress)
    # entries whose host asked for a longer Retry-After than a run waits: left for a later run
    deferred: list[Entry] = field(default_factory=list)
    # url_keys of the entries whose batch is loaded (a run that ends early keeps the others,
    # `unloaded`)
    loaded: set[str] = field(default_factory=set)
    # time.monotonic() past which no more pages are extracted (`run_deadline_s`)
    deadline: float = float("inf")
    # warehouse writes in flight: a stopped run waits for them before closing the warehouse
    writes: set[asyncio.Future[None]] = field(default_factory=set)

    def unstoppable(self, work: Callable[[], None]) -> Awaitable[None]:
        """Run `work` in a thread to its end even when the run is cancelled meanwhile, so the
        warehouse is never closed under a transaction that is still writing."""
        future = asyncio.ensure_future(asyncio.to_thread(work))
        self.writes.add(future)
        future.add_done_callback(self.writes.discard)
        return asyncio.shield(future)

    async def writes_done(self) -> None:
        """Wait for the warehouse writes in flight, so the warehouse is closed after them."""
        if self.writes:
            await asyncio.wait(list(self.writes))


@task(name="triage-entries", cache_policy=NO_CACHE, persist_result=False)
async def triage(run: PipelineRun, entries: list[Entry]) -> Triage:
    """Find which entries are new (one join against the warehouse) and record re-sightings."""

    dedup = run.settings.dedup
    policy = RefetchPolicy(
        recent=timedelta(hours=dedup.refetch_recent_hours),
        every=timedelta(hours=dedup.refetch_every_hours),
        give_up=timedelta(days=dedup.page_retry_days),
    )

    def decide(con: duckdb.DuckDBPyConnection) -> Triage:
        now = datetime.now(UTC)
        result = triage_entries(con, entries, now=now, policy=policy, retry_feeds=set(run.sources))
        load_batch(con, run.run_id, [], sightings=result.sightings, now=now)
        budgeted = apply_budget(result, run.budget)
        # what the budget leaves is an article at once (pending), fetched by a later run's
        # retries: an entry that drops off its feed before then is not lost
        _keep_pending(con, run, budgeted.deferred, known=result.refetched.keys(), now=now)
        return budgeted

    def work() -> Triage:
        with session(run.db, wait_s=DB_WAIT_S) as con:
            return write_atomically(con, decide)

    return await asyncio.to_thread(work)


def unvisited(value: _T) -> _T:
    """A task argument Prefect passes on without walking it.

    Unquoted, every task call walks each dataclass it is given looking for futures: a
    `PipelineRun` holds all of the run's entries, so each `extract-batch-N` cost ~0.3 s of CPU
    at 10k entries, quadratic over a run (bench/ingest_bench.py). Nothing here passes futures."""
    return cast(_T, quote(value))


async def extract_batch(run: PipelineRun, index: int, entries: list[Entry]) -> None:
    """One `extract-batch-N` task run over `entries`, its arguments passed on unwalked."""
    await _extract_batch(unvisited(run), index, unvisited(entries))


@task(task_run_name="extract-batch-{index}", cache_policy=NO_CACHE, persist_result=False)
async def _extract_batch(run: PipelineRun, index: int, entries: list[Entry]) -> None:
    """Fetch a batch of article pages, extract them, deduplicate and load them."""
    reporter = progress.current.get()
    sources = [run.sources.get(e.feed_url) or FeedSource(e.feed_url) for e in entries]
    # each entry carries its feed's rules into extraction (a retried one comes from the warehouse)
    entries = [replace(e, rules=s.rules) for e, s in zip(entries, sources, strict=True)]
    with timed(run.summary, "fetch_pages"):
        fetched = await asyncio.gather(
            *(
                run.fetcher.fetch(
                    e.url,
                    kind=FetchKind.PAGE,
                    check_robots=s.respect_robots,
                    profile=run.fetcher.profile_for(s),
                )
                for e, s in zip(entries, sources, strict=True)
            )
        )
    pages: list[Page] = []
    refused: list[Page] = []  # refusals with a body, read for a bot challenge by the workers
    failed: list[tuple[Entry, str, datetime]] = []
    articles_pending: list[Article] = []
    for entry, f in zip(entries, fetched, strict=True):
        if f.ok and f.body:
            pages.append(Page(entry, f.final_url, f.body, f.content_type, f.fetched_at))
        elif is_deferral(f.error):
            run.deferred.append(entry)  # not a failure: a later run's retries fetch it
            run.summary.entries_deferred += 1
            run.summary.rejected.append(Rejected(Stage.PAGE, entry.url, f.error))
            if entry.url_key not in run.triage.refetched:  # new: kept now, as pending
                articles_pending.append(pending_article(entry, seen_at=f.fetched_at))
        elif f.error and f.body:
            refused.append(Page(entry, f.final_url, f.body, f.content_type, f.fetched_at, f.error))
        else:
            reason = f.error or ("empty_body" if f.ok else f"http_{f.status}")
            failed.append((entry, reason, f.fetched_at))
            run.summary.rejected.append(Rejected(Stage.PAGE, entry.url, reason))
    run.summary.pages_fetched += len(pages)

    with timed(run.summary, "extract"):
        read = [*pages, *refused]
        results = await _extract_pages(run.pool, read) if read and run.pool else []
    articles: list[Article] = articles_pending
    for page, result in zip(read, results, strict=True):
        if isinstance(result, Rejected):
            failed.append((page.entry, result.reason, page.fetched_at))
            run.summary.rejected.append(result)
        else:
            articles.append(result)
    run.summary.pages_failed += len(failed)
    retried: list[tuple[str, str, datetime]] = []
    for entry, reason, at in failed:
        known = run.triage.refetched.get(entry.url_key)
        if known is not None:
            # a failed re-fetch changes no stored text: `fetches` records it, and an article
            # still waiting for its page gets the new reason and back-off
            retried.append((known.article_id, reason, at))
        else:
            # every entry is kept, with the feed's text or none, and its page retried
            articles.append(article_from_feed(entry, reason=reason, fetched_at=at))

    async with run.write_lock:
        with timed(run.summary, "load"):
            await run.unstoppable(partial(_load, run, articles, fetched, retried))
            if run.loader is not None and run.loader.overdue():
                await run.unstoppable(run.loader.close)  # readers get their window
    reporter.advance("pages", len(entries))
    await run.page_progress.advance(len(entries))


async def _extract_pages(pool: BatchPool, pages: list[Page]) -> list[Article | Rejected]:
    """Extract a batch on all of the pool's workers at once, results in page order.

    Whole batches, with `capacity + 1` in flight, left a worker idle whenever one batch was
    fetching and another loading: the cold benchmark ran at ~65% of two cores."""
    size = -(-len(pages) // max(1, min(pool.capacity, len(pages))))
    parts = [pages[i : i + size] for i in range(0, len(pages), size)]
    done = await asyncio.gather(*(asyncio.wrap_future(pool.submit(part)) for part in parts))
    return [result for part in done for result in part]


def _load(
    run: PipelineRun,
    articles: list[Article],
    fetched: Sequence[Fetched],
    retried: Sequence[tuple[str, str, datetime]] = (),
) -> None:
    def load(con: duckdb.DuckDBPyConnection) -> Deduped:
        record_page_failures(con, retried)
        return dedupe_and_load(
            con,
            run.run_id,
            articles,
            settings=run.settings.dedup,
            now=datetime.now(UTC),
            refetched=run.triage.refetched,
            followers=run.triage.followers,
            fetched=fetched,
        )

    if run.loader is None:
        run.loader = HeldSession(run.db, wait_s=DB_WAIT_S)
    try:
        done = write_atomically(run.loader.connection(), load)
    except BaseException as exc:
        run.loader.close(exc)
        raise
    run.loaded.update(a.entry.url_key for a in articles)
    summary = run.summary
    summary.stories_touched |= set(done.stories.values())
    summary.new_articles += done.counts.new_articles
    summary.new_versions += done.counts.new_versions
    for kind, n in done.duplicates.items():
        summary.duplicates[kind] = summary.duplicates.get(kind, 0) + n


@task(name="refresh-search-index", cache_policy=NO_CACHE, persist_result=False)
async def refresh_search(run: PipelineRun) -> None:
    """Rebuild the full-text index over the new articles when due (DuckDB's fts index is not
    incremental; see `refresh_due`). A failure here is logged, not fatal: `wirehouse search`
    rebuilds when stale."""

    def work() -> None:
        with session(run.db, wait_s=DB_WAIT_S) as con:
            if refresh_due(con, now=datetime.now(UTC)):
                refresh_index(con)

    try:
        await asyncio.to_thread(work)
    except WirehouseError as exc:
        get_run_logger().warning("search index not refreshed: %s", exc)


@task(name="finish-run", cache_policy=NO_CACHE, persist_result=False)
async def finish(
    run: PipelineRun,
    outcomes: list[FeedOutcome],
    body_hashes: dict[str, str],
    status: str,
    error: str | None,
    fetches: Sequence[Fetched] = (),
) -> None:
    """Save each feed's state and the run's counts in one transaction (and record `fetches`,
    fetches other than the feeds', e.g. a backfill's sitemaps).

    Feed validators (ETag, Last-Modified) are saved only now, and only when the run completed,
    after the entries they announced were loaded: a run that fails or dies earlier refetches
    those feeds in full next time, so nothing they announced is lost behind a 304.
    """

    unread = unloaded(run)
    run.summary.entries_deferred += len(unread)  # here, not in the transaction it may retry

    def record(con: duckdb.DuckDBPyConnection) -> None:
        _keep_pending(con, run, unread, known=(), now=datetime.now(UTC), later=run.triage.followers)
        if status == "completed":
            left = Counter(e.feed_url for e in (*run.triage.deferred, *run.deferred))
            save_feed_outcomes(con, outcomes, body_hashes=body_hashes, deferred=left)
        record_fetches(con, run.run_id, [*(o.fetched for o in outcomes if o.fetched), *fetches])
        finish_run(con, run.summary, status=status, error=error)

    def work() -> None:
        with session(run.db, wait_s=DB_WAIT_S) as con:
            write_atomically(con, record)
            if status == "completed":
                _prune_when_due(run, con)
                run.digest = write_digest(con, run.db, now=datetime.now(UTC))
                # a lake's maintenance is its operator's (`wirehouse lake maintain`)
                if not run.db.is_lake:
                    con.execute("CHECKPOINT")
        summary = run.summary
        changed = bool(summary.pages_fetched or summary.entries_seen)
        if status == "completed" and read_copy_due(run.db, changed=changed):
            publish_read_copy(run.db)

    await asyncio.to_thread(work)


def _prune_when_due(run: PipelineRun, con: duckdb.DuckDBPyConnection) -> None:
    """Apply `retention_days` at most once a day, so that the log and raw pages stay bounded
    without a separate job; a failure here is logged and leaves the run's data as loaded."""
    days = run.settings.retention_days
    now = datetime.now(UTC)
    if not days or not prune_due(con, now=now):
        return
    try:
        pruned = prune_and_commit(con, older_than=timedelta(days=days), now=now)
    except (duckdb.Error, WirehouseError) as exc:
        get_run_logger().warning("retention not applied: %s", exc)
        return
    get_run_logger().info(
        "pruned %d fetch rows, %d pages, %d raw pages and %d archive files older than %d days",
        pruned.fetches,
        pruned.pages,
        pruned.raw_pages,
        pruned.archive_files,
        days,
    )


class _Skipped(Exception):
    """Another run holds the warehouse: this one ends Cancelled, "skipped: ...", untouched."""


async def stoppable_run(settings: Settings, body: FlowBody) -> RunSummary | State:
    """Run a flow's `body` with a new RunSummary so that SIGTERM or SIGINT end it within
    `stop_grace_s`, recorded as aborted (Cancelled, "stopped by ..."), and a busy warehouse
    ends it Cancelled, "skipped: ..." (`locked_run`)."""
    summary = RunSummary(run_id=uuid.uuid4().hex[:12])
    with stop_on_signals(grace_s=settings.stop_grace_s) as stop:
        try:
            return await body(summary, stop)
        except _Skipped as exc:
            get_run_logger().warning("%s", exc)
            return Cancelled(message=str(exc))
        except asyncio.CancelledError:
            if not stop.requested:
                raise
            # wherever the stop landed, loads already ran to their end (`PipelineRun.unstoppable`)
            await asyncio.to_thread(_record_abort, settings.warehouse, summary, stop.reason)
            get_run_logger().warning("run %s %s", summary.run_id, stop.reason)
            return Cancelled(message=stop.reason)


@contextmanager
def locked_run(
    warehouse: Warehouse,
    summary: RunSummary,
    *,
    now: datetime,
    read: Callable[[duckdb.DuckDBPyConnection], _T],
) -> Iterator[_T]:
    """Hold the warehouse's run lock over the block, after one session that migrates, marks
    dead runs aborted, starts this run and gives the block what `read` reads in it (e.g. feed
    states). A busy warehouse skips the run (inside `stoppable_run`)."""
    logger = get_run_logger()
    lock = ExitStack()
    try:
        lock.enter_context(run_lock(warehouse))
    except WarehouseBusy as exc:
        raise _Skipped(f"skipped: {exc}") from None
    with lock:
        with timed(summary, "open"), session(warehouse, wait_s=DB_WAIT_S) as con:
            applied = migrate(con)
            if applied:
                logger.info("warehouse %s migrated to version %d", warehouse, applied[-1])
            archive.archive_dir(con)  # a lake in object storage names its archive, or no run
            # a lake has concurrent runs: only one that has been "running" for a day is dead
            dead_before = now - timedelta(days=1) if warehouse.is_lake else None
            if aborted := close_abandoned_runs(con, started_before=dead_before):
                logger.warning(
                    "%d earlier run(s) had died before finishing: marked aborted", aborted
                )
            start_run(con, summary.run_id, flow_run_id=flow_run.id, started_at=now)
            opened = read(con)
        yield opened


@asynccontextmanager
async def fetching_run(
    settings: Settings,
    summary: RunSummary,
    sources: Sequence[FeedSource],
    *,
    deadline: float,
    budget: Budget,
    deferred: Mapping[str, datetime],
    share_hosts: bool = True,
) -> AsyncIterator[PipelineRun]:
    """The run's record with its one HTTP client open over the block (the hosts of `sources`
    are the operator's own; the hosts of `deferred`, `runs.deferred_urls`, are not asked
    before the time they named), so each flow builds it the same way. With `share_hosts`,
    one host's pages may take `http.host_time_share` of the run's deadline (a backfill,
    made for one site, gives it all)."""
    operator_hosts = {url_origin(s.url) for s in sources}
    host_budget_s = (
        settings.http.host_time_share * settings.run_deadline_s if share_hosts else math.inf
    )
    async with Fetcher(
        settings.http, operator_hosts=operator_hosts, deferred=deferred, host_budget_s=host_budget_s
    ) as fetcher:
        yield PipelineRun(
            settings=settings,
            db=settings.warehouse,
            run_id=summary.run_id,
            fetcher=fetcher,
            pool=None,
            sources={s.url: s for s in sources},
            triage=Triage(),
            summary=summary,
            budget=budget,
            deadline=deadline,
        )


async def publish_run(run: PipelineRun, read: str) -> None:
    """Publish the run's summary artifact and its digest's link, after the lock is let go, and
    log its counts after `read`, what the flow read (its feeds or sitemaps)."""
    summary = run.summary
    await publish_summary(summary)
    if run.digest is not None:
        await publish_digest_link(run.digest)
    get_run_logger().info(
        "run %s: %s; %d new articles, %d duplicates",
        summary.run_id,
        read,
        summary.new_articles,
        sum(summary.duplicates.values()),
    )


def unloaded(run: PipelineRun) -> list[Entry]:
    """The new entries of a run that ended before loading them (a deadline, a stop, a
    failure): kept as pending articles, as a budget's are, the next run's retries fetch their
    pages even if they have left their feeds."""
    return [
        e
        for e in run.triage.to_fetch
        if e.url_key not in run.loaded and e.url_key not in run.triage.refetched
    ]


def _keep_pending(
    con: duckdb.DuckDBPyConnection,
    run: PipelineRun,
    entries: Sequence[Entry],
    *,
    known: Collection[str],
    now: datetime,
    later: Mapping[str, Sequence[Entry]] | None = None,
) -> None:
    """Store entries left for a later run as pending articles (`known` url_keys are articles),
    with `later`, the run's later entries of their URLs."""
    seen_too = [f for e in entries for f in (later or {}).get(e.url_key, ())]
    pending, followers = pending_articles([*entries, *seen_too], known=known, seen_at=now)
    dedup = run.settings.dedup
    store_pending(
        con,
        run.run_id,
        pending,
        followers=followers,
        partners=trusted_pairs(dedup.syndication_partners),
        lead=dedup.claimed_lead,
        now=now,
    )


def _record_abort(warehouse: Warehouse, summary: RunSummary, reason: str) -> None:
    """Mark a stopped run aborted now, so its `runs` row says why at once."""
    try:
        with session(warehouse, wait_s=DB_WAIT_S) as con:
            write_atomically(con, lambda c: finish_run(c, summary, status="aborted", error=reason))
    except (duckdb.Error, WirehouseError) as exc:  # the next run marks it aborted instead
        get_run_logger().warning("could not record run %s as aborted: %s", summary.run_id, exc)


async def load_entries(
    run: PipelineRun,
    entries: list[Entry],
    stop: Stop,
    outcomes: list[FeedOutcome],
    body_hashes: dict[str, str],
    fetches: Sequence[Fetched] = (),
) -> None:
    """Everything after the entries, whatever read them (feeds in `ingest`, sitemaps in
    `backfill`): triage and budgets, pages, extraction, dedup and loading, then the run's end.
    `fetches` are fetches to record besides the feeds' (a backfill's sitemaps)."""
    summary = run.summary
    settings = run.settings
    warehouse = run.db
    run_id = run.run_id
    logger = get_run_logger()
    with timed(summary, "triage"):
        run.triage = await triage(unvisited(run), unvisited(entries))
    summary.entries_new = len(run.triage.to_fetch)
    summary.entries_deferred = len(run.triage.deferred)
    for s in run.triage.sightings:
        kind = str(s.match_kind)
        summary.duplicates[kind] = summary.duplicates.get(kind, 0) + 1
    outcomes = _count_new_items(outcomes, run.triage)

    late: RunDeadline | None = None
    try:
        if run.triage.to_fetch:
            await _extract_all(run)
    except RunDeadline as exc:
        late = exc
    except BaseException as exc:
        with contextlib.suppress(Exception):  # the warehouse may be what failed
            if stop.requested:  # recorded as aborted by `stoppable_run`
                await _keep_unloaded_now(run)
            else:
                await finish(
                    unvisited(run),
                    outcomes,
                    body_hashes,
                    "failed",
                    f"{type(exc).__name__}: {exc}",
                    fetches,
                )
        raise
    # an aborted run's loaded articles are searchable and announced like any others
    if (summary.new_articles or summary.new_versions) and not warehouse.is_lake:
        with timed(summary, "search_index"):
            await refresh_search(unvisited(run))
    if settings.watches:  # before finish, so its digest and read copy show the hits
        with timed(summary, "watches"):
            await watch_stories(warehouse, settings.watches, run_id, summary.stories_touched)
    if late is None:
        await finish(unvisited(run), outcomes, body_hashes, "completed", None, fetches)
    else:
        # what was loaded stays; the rest is kept pending (`unloaded`) for the next run
        logger.warning("run %s: %s", run_id, late)
        await finish(unvisited(run), outcomes, body_hashes, "aborted", str(late), fetches)


async def _keep_unloaded_now(run: PipelineRun) -> None:
    """Keep a stopped run's unloaded entries, after the load that may still be committing
    (its batch is loaded, then) and with the loader's connection let go."""
    await run.writes_done()
    if run.loader is not None:
        await asyncio.to_thread(run.loader.close)
    left = unloaded(run)
    run.summary.entries_deferred += len(left)

    def work() -> None:
        with session(run.db, wait_s=DB_WAIT_S) as con:
            write_atomically(
                con,
                lambda c: _keep_pending(
                    c, run, left, known=(), now=datetime.now(UTC), later=run.triage.followers
                ),
            )

    await asyncio.to_thread(work)


async def _extract_all(run: PipelineRun) -> None:
    """Run the batch tasks with a few in flight, so fetching overlaps extraction."""
    settings = run.settings.extract
    progress.current.get().total("pages", len(run.triage.to_fetch))
    await run.page_progress.start(len(run.triage.to_fetch))
    try:
        with open_pool(settings) as pool:
            run.pool = pool
            in_flight = asyncio.Semaphore(pool.capacity + 1)

            async def bounded(index: int, entries: list[Entry]) -> None:
                async with in_flight:
                    await extract_batch(run, index, entries)

            work = [
                bounded(i, entries)
                for i, entries in enumerate(batches(run.triage.to_fetch, settings.batch_size), 1)
            ]
            # raised inside the pool's block: on the way out its workers are killed, not awaited
            try:
                async with asyncio.timeout(max(0.0, run.deadline - time.monotonic())) as limit:
                    await asyncio.gather(*work)
            except TimeoutError:
                if not limit.expired():
                    raise
                raise RunDeadline(
                    f"run deadline of {run.settings.run_deadline_s:g} s passed: the rest is "
                    "left for the next run"
                ) from None
    finally:
        # however the batches ended (done, deadline, stop, failure), a load already running
        # ends first, and the run's own finish then opens the warehouse after the loader let go
        await run.writes_done()
        if run.loader is not None:
            await asyncio.to_thread(run.loader.close)


def _count_new_items(outcomes: list[FeedOutcome], triage: Triage) -> list[FeedOutcome]:
    """Each feed's outcome with how many new entries it brought, for its health record."""
    per_feed: dict[str, int] = {}
    for e in triage.to_fetch:
        if e.url_key not in triage.refetched:
            per_feed[e.feed_url] = per_feed.get(e.feed_url, 0) + 1
    return [
        FeedOutcome(o.source, o.fetched, o.parsed, per_feed.get(o.source.url, 0)) for o in outcomes
    ]
