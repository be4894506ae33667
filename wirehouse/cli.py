"""The `wirehouse` command: a thin layer over the flows and the warehouse.

Errors a user can act on (a bad feed list, a warehouse that cannot be opened) are printed as
one line and exit non-zero; everything else about a run is in its summary and the warehouse.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from wirehouse.errors import WirehouseError
from wirehouse.escape import visible

if TYPE_CHECKING:
    from wirehouse.config.location import Warehouse
    from wirehouse.config.parameters import IngestParameters
    from wirehouse.config.settings import Settings
    from wirehouse.feeds.find import FoundFeed

app = typer.Typer(
    help="Scheduled news ingestion: feeds to clean, deduplicated articles in DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# off a terminal (a pipe, a file), tables are as wide as their content instead of wrapped.
# Markup, emoji codes and highlighting are off: printed data ("[/]", "[link=...]", ":x:") is
# shown as it is, never read as styles; control characters in data go through visible().
out = Console(
    soft_wrap=True,
    width=None if sys.stdout.isatty() else 10_000,
    markup=False,
    emoji=False,
    highlight=False,
)
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)


def redact(text: str) -> str:
    """Passwords and keys hidden (the message may quote a warehouse location)."""
    from wirehouse.config.location import redact as hide

    return hide(text)


def _error_line(message: object, *, label: str = "error", style: str = "red") -> Text:
    """`error: message` with only the label styled; the message is data, shown as it is."""
    return Text.assemble((f"{label}:", style), " ", visible(message))


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Warehouse file (default data/wirehouse.duckdb, or WIREHOUSE_DB).",
        show_default=False,
    ),
]


# the demo newsroom's outlets listen on 127.0.0.1:8710, :8711, ...
DEMO_PORT_BASE = 8710


FeedsOption = Annotated[
    Path | None,
    typer.Option("--feeds", help="Feed list: TOML (config/feeds.toml), OPML, or URLs one a line."),
]


DataPathOption = Annotated[
    str | None,
    typer.Option(
        "--data-path",
        help="Where a new DuckLake (--db ducklake:...) writes its Parquet files: a folder or "
        "object storage URL (or WIREHOUSE_DATA_PATH).",
        show_default=False,
    ),
]


ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="Only shard I of N of the feeds (1-based, e.g. 2/3; split by host), so N workers "
        "can share one feed list.",
        show_default=False,
    ),
]


DemoHomeOption = Annotated[
    Path, typer.Option("--home", help="Folder of the background processes' pids and logs.")
]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _prefect_defaults() -> None:
    """Settings Prefect must have before it is imported (no telemetry, quiet console on a TTY),
    then a server already running on the default local port if no API URL is set."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # with no PREFECT_API_URL Prefect starts a temporary server in-process; its first start
    # creates its database, which takes longer than Prefect's 20 s default on a busy machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if sys.stderr.isatty():
        # the progress display shows the run; Prefect's own log lines stay in its API and UI
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # a server already running on 127.0.0.1:4200 (`wirehouse server`) instead of a temporary one
    from wirehouse.flows.server import use_running_server

    use_running_server()


def _prefect_home() -> Path:
    """Where Prefect keeps its state: PREFECT_HOME, else .prefect/ here (set for the children)."""
    return Path(os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect")))


def _prefect_api() -> str:
    """The Prefect server's API URL, for the commands that need one running."""
    from prefect.settings import PREFECT_API_URL

    from wirehouse.errors import ConfigError

    url = PREFECT_API_URL.value()
    if not url:
        raise ConfigError(
            "no Prefect server: PREFECT_API_URL is not set and none answers on 127.0.0.1:4200;"
            " run `wirehouse server` first (or export the URL of yours as PREFECT_API_URL)"
        )
    return str(url)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except WirehouseError as exc:
        err.print(_error_line(redact(str(exc))))
        raise typer.Exit(2) from None


def _db(db: str | None, data_path: str | None = None) -> Warehouse:
    """The warehouse the location options name (every command that opens it takes both)."""
    from wirehouse.config.settings import load_settings

    return load_settings(db=db, data_path=data_path).warehouse


@app.command()
def ingest(
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="A feed URL; repeat for several.")
    ] = None,
    feeds: FeedsOption = None,
    db: DbOption = None,
    data_path: DataPathOption = None,
    shard: ShardOption = None,
) -> None:
    """Run the ingest flow once over the feeds, then print what it did."""
    from wirehouse.config.parameters import IngestParameters

    asked = IngestParameters(
        feeds=tuple(feed or ()),
        feeds_file=str(feeds) if feeds else None,
        db=db,
        data_path=data_path,
        shard=shard,
    )
    with _user_errors():
        summary = _run_ingest(asked)
    _print_summary(summary, _db(db, data_path))


def _ingest_preflight(asked: IngestParameters) -> Settings:
    """The ingest run's settings, once its feeds are known and `_preflight` passed."""
    settings = asked.settings()
    asked.sources(settings)
    _preflight(settings)
    return settings


def _preflight(settings: Settings) -> None:
    """Fail in a second, with one line, on what would fail a loading run (`ingest`,
    `backfill`) before Prefect starts: the warehouse opens and knows its raw-page archive, and
    the Dask scheduler, if one is set, answers."""
    from wirehouse.warehouse import archive
    from wirehouse.warehouse.connection import connect

    with connect(settings.warehouse, wait_s=5) as con:
        archive.archive_dir(con)
    if settings.extract.dask_address:
        from wirehouse.extractors.backend import open_pool

        open_pool(settings.extract).close()  # the scheduler answers and has workers


def _run_ingest(asked: IngestParameters) -> Any:
    """One ingest flow run, after `_ingest_preflight`; raises WarehouseBusy while another run
    writes."""
    settings = _ingest_preflight(asked)
    _start_workers_early(settings)  # feeds are parsed in local workers, even with Dask
    _prefect_defaults()
    from wirehouse.flows.ingest import ingest as ingest_flow

    asked = replace(asked, db=_out_of_parameters(asked.db))
    return _run_flow(lambda: ingest_flow(**asked.as_flow_parameters()))


def _start_workers_early(settings: Settings) -> None:
    """Have the workers' forkserver warm up on the other core while this process imports
    Prefect and starts the flow; not for a run that another run's lock will skip."""
    from wirehouse.extractors.pool import start_forkserver
    from wirehouse.warehouse.connection import run_lock_taken

    if not run_lock_taken(settings.warehouse):
        start_forkserver()


def _run_flow(start: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a loading flow (`ingest`, `backfill`) in the foreground with the progress display;
    a run stopped by a signal exits as the signal would, one skipped for another run's lock
    raises WarehouseBusy."""
    from prefect.exceptions import CancelledRun

    from wirehouse.errors import WarehouseBusy

    with _progress_display():
        try:
            return asyncio.run(start())
        except CancelledRun as exc:
            message = str(exc)
            if message.startswith("skipped: "):  # the flow skips itself while another run writes
                raise WarehouseBusy(message.removeprefix("skipped: ")) from None
            # SIGTERM/SIGINT ("stopped by ...": the run recorded itself), or a cancel from
            # Prefect's UI or API: no busy warehouse, so nothing waits for it to be free
            err.print(_error_line(message, label="cancelled", style="yellow"))
            raise typer.Exit(_stop_exit_code(message)) from None


@app.command()
def backfill(
    sitemap: Annotated[
        list[str],
        typer.Option(
            "--sitemap",
            help="A sitemap, sitemap index or site address (its robots.txt names its "
            "sitemaps); repeat for several.",
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only pages dated since: a date, or 7d, 24h; undated kept."),
    ] = None,
    db: DbOption = None,
    data_path: DataPathOption = None,
) -> None:
    """Load the articles a site's sitemaps list through the ingest pipeline; print what it did."""
    with _user_errors():
        from wirehouse.config.feedlist import sources_from_urls
        from wirehouse.config.settings import load_settings
        from wirehouse.timespec import parse_since

        if since:
            parse_since(since)  # a bad --since fails here, before Prefect starts
        sources_from_urls(sitemap, what="--sitemap")  # and so does an address that is no URL
        settings = load_settings(db=db, data_path=data_path)
        _preflight(settings)
        if not settings.extract.dask_address:  # else no page is extracted here
            _start_workers_early(settings)
        _prefect_defaults()
        from wirehouse.flows.backfill import backfill as backfill_flow

        location = _out_of_parameters(db)
        summary = _run_flow(
            lambda: backfill_flow(sitemaps=sitemap, since=since, db=location, data_path=data_path)
        )
    _print_summary(summary, _db(db, data_path), sitemaps=True)


def _stop_exit_code(message: str) -> int:
    """128 + the signal's number, as a shell reports a process a signal ended; 1 for a run
    cancelled otherwise."""
    import signal

    name = message.removeprefix("stopped by ").partition(":")[0]
    try:
        return 128 + signal.Signals[name].value
    except KeyError:
        return 1


def _out_of_parameters(db: str | None) -> str | None:
    """A location with a password reaches the flow through WIREHOUSE_DB, not as a parameter:
    Prefect stores a flow run's parameters and shows them in its UI."""
    from wirehouse.config.location import has_secret

    if db is not None and has_secret(db):
        os.environ["WIREHOUSE_DB"] = db
        return None
    return db


@contextmanager
def _progress_display() -> Iterator[None]:
    """A live progress bar on a terminal; nothing when the output is a pipe or a log file."""
    if not err.is_terminal:
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from wirehouse import progress

    with Progress(
        TextColumn("{task.description:>6}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        class Bar:
            def total(self, stage: str, count: int) -> None:
                tasks[stage] = bar.add_task(stage, total=count)

            def advance(self, stage: str, count: int = 1) -> None:
                if stage in tasks:
                    bar.advance(tasks[stage], count)

        token = progress.current.set(Bar())
        try:
            yield
        finally:
            progress.current.reset(token)


def _print_summary(summary: Any, db: Warehouse, *, sitemaps: bool = False) -> None:
    """The run's counts; a backfill's (`sitemaps`) read sitemaps where ingest reads feeds."""
    dups = summary.duplicates
    dup_text = ", ".join(f"{k} {v}" for k, v in sorted(dups.items())) or "none"
    failures = [r for r in summary.rejected if r.stage in ("feed", "page", "extract")]
    if sitemaps:
        sources = f": {summary.feeds_fetched} sitemaps read, {summary.feeds_failed} failed"
    else:
        sources = (
            f": {summary.feeds_fetched} feeds fetched, "
            f"{summary.feeds_not_modified} not modified, {summary.feeds_failed} failed, "
            f"{summary.feeds_skipped} not due"
        )
    out.print(Text.assemble((f"run {visible(summary.run_id)}", "bold"), sources))
    n_unlinked = summary.entries_unlinked
    unlinked = f" ({n_unlinked} more without a link)" if n_unlinked else ""
    out.print(
        f"  {summary.entries_seen} entries seen, {summary.entries_new} new{unlinked}; "
        f"{summary.new_articles} new articles, {summary.new_versions} new versions; "
        f"duplicates skipped: {sum(dups.values())} ({dup_text}); "
        f"{len(summary.stories_touched)} stories touched",
        highlight=False,
    )
    if failures:
        out.print(f"  {len(failures)} failures:", highlight=False)
        for r in failures[:15]:
            out.print(f"    {visible(r.stage):7} {visible(r.reason):22} {visible(r.url)}")
        if len(failures) > 15:
            out.print(f"    ... and {len(failures) - 15} more (see the `fetches` table)")
    out.print(f"  warehouse: {visible(db)}")


@app.command()
def sql(
    query: Annotated[
        str | None,
        typer.Argument(help="The SQL to run (read-only); none: an interactive prompt."),
    ] = None,
    db: DbOption = None,
    data_path: DataPathOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="Output format (parquet needs --output).")
    ] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", help="File to write (with --format parquet).")
    ] = None,
    allow_external_access: Annotated[
        bool,
        typer.Option(
            "--allow-external-access",
            help="Let the SQL read and write files, ATTACH, INSTALL and LOAD (off: only SELECT "
            "runs and sees the warehouse only; its tables stay read-only either way).",
        ),
    ] = False,
) -> None:
    """Ask the warehouse a question in SQL (search_articles() included), or open a prompt."""
    from wirehouse.errors import ConfigError
    from wirehouse.warehouse import sqlshell
    from wirehouse.warehouse.connection import session
    from wirehouse.warehouse.search import load_fts

    with _user_errors():
        if (fmt is Format.parquet) != (output is not None):
            raise ConfigError("--format parquet and --output FILE go together")
        if fmt is Format.parquet and query is None:
            raise ConfigError("--format parquet needs a query")
        with session(_db(db, data_path), read_only=True, wait_s=60) as con:
            with contextlib.suppress(WirehouseError):  # without fts, only search fails
                load_fts(con)
            if not allow_external_access:
                sqlshell.lock_down(con)
            if query is None:
                sqlshell.repl(
                    con,
                    lambda cols, rows: _print_rows(cols, rows, fmt),
                    lambda msg: err.print(_error_line(msg)),
                    locked=not allow_external_access,
                )
                return
            if output is not None:
                n = sqlshell.write_parquet(con, query, output, locked=not allow_external_access)
                out.print(f"wrote {n} rows to {visible(output)}")
                return
            columns, rows = sqlshell.run_query(con, query, locked=not allow_external_access)
    _print_rows(columns, rows, fmt)


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: Format) -> None:
    if fmt is Format.csv:
        # "\n" as DuckDB's own CLI writes, not the csv module's "\r\n"
        writer = csv.writer(sys.stdout, lineterminator="\n")
        if sys.stdout.isatty():  # a person reads it: no ESC or CR from the data reaches the screen
            columns = [visible(c) for c in columns]
            rows = [tuple(_csv_cell(v) for v in row) for row in rows]
        writer.writerow(columns)  # piped: the exact bytes, for the program reading them
        writer.writerows(rows)
    elif fmt is Format.json:
        for row in rows:
            sys.stdout.write(
                json.dumps(dict(zip(columns, row, strict=True)), default=_jsonable) + "\n"
            )
    else:
        table = Table(*(visible(c) for c in columns), show_lines=False)
        for row in rows:
            table.add_row(*("" if v is None else visible(v, keep_layout=True) for v in row))
        out.print(table)
        out.print(f"({len(rows)} rows)", style="dim")


def _csv_cell(value: object) -> object:
    return visible(value, keep_layout=True) if isinstance(value, str) else value


def _jsonable(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


feeds_app = typer.Typer(
    help="Show each feed's health (last fetch, status, new items, failures in a row); "
    "`feeds add` finds a site's feeds and adds them to the feed list."
)
app.add_typer(feeds_app, name="feeds")


@feeds_app.callback(invoke_without_command=True)
def feeds(ctx: typer.Context, db: DbOption = None, data_path: DataPathOption = None) -> None:
    """Show each feed's health: last fetch, status, new items, failures in a row."""
    if ctx.invoked_subcommand is not None:
        return
    from wirehouse.warehouse.connection import session

    with _user_errors(), session(_db(db, data_path), read_only=True, wait_s=60) as con:
        cursor = con.execute(
            """
            SELECT coalesce(name, title, feed_url) AS feed, feed_url,
                   strftime(last_fetch_at, '%Y-%m-%d %H:%M') AS last_fetch, last_status AS status,
                   last_new_items AS new_items, consecutive_failures AS failures,
                   coalesce(last_error, '') AS last_error
            FROM feeds ORDER BY consecutive_failures DESC, feed
            """
        )
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    _print_rows(columns, rows, Format.table)


@feeds_app.command("add")
def feeds_add(
    address: Annotated[
        str, typer.Argument(help="A site's address (https://outlet.example/), or a feed's.")
    ],
    all_feeds: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Add every working feed found but comments feeds and feeds with the same items "
            "as an earlier one.",
        ),
    ] = False,
    pick: Annotated[
        list[int] | None,
        typer.Option("--pick", min=1, help="Add feed N of the list shown; repeat for several."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list the feeds found.")] = False,
    feeds_file: Annotated[
        Path | None,
        typer.Option(
            "--feeds",
            help="Feed list to add to, TOML or URLs one a line (default: the feeds_file "
            "setting, config/feeds.toml).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds the whole search may take.")
    ] = 60.0,
) -> None:
    """Find a site's feeds, show their latest titles, and add the chosen ones to the feed list.

    Without --all or --pick it asks which on a terminal; --dry-run only lists.
    """
    from wirehouse.config.feedlist import add_feeds
    from wirehouse.config.settings import load_settings
    from wirehouse.errors import DiscoveryError
    from wirehouse.records import FeedSource

    with _user_errors():
        settings = load_settings()
        path = feeds_file or settings.feeds_file
        found = asyncio.run(_find_feeds(address, settings, timeout))
        if not found:
            raise DiscoveryError(f"no feeds found at {address}")
        _print_found(found)
        if not any(f.ok for f in found):
            raise DiscoveryError(f"no working feed found at {address}")
        if dry_run:
            return
        chosen = _choose_feeds(found, all_feeds=all_feeds, pick=pick or [])
        listed = {f.url: _list_address(f) for f in chosen}
        added, present = add_feeds(
            path,
            [FeedSource(url=listed[f.url], name=f.title) for f in chosen],
            also_at={listed[f.url]: (f.url, f.final_url or f.url) for f in chosen},
        )
    for url in present:
        out.print(f"already in {visible(path)}: {visible(url)}")
    for source in added:
        out.print(f"added to {visible(path)}: {visible(source.url)}")
    if not chosen:
        out.print("nothing added")


async def _find_feeds(address: str, settings: Settings, timeout: float) -> list[FoundFeed]:
    """The feed search with the project's fetcher, and the feed parser in a worker process
    under its deadline (as a run parses feeds)."""
    import multiprocessing

    from wirehouse.extractors.pool import DeadlinePool, parse_in_worker
    from wirehouse.feeds.discover import FeedCheck, check_feed
    from wirehouse.feeds.find import find_feeds, site_address
    from wirehouse.fetch import Fetcher
    from wirehouse.records import Fetched

    # the operator named this site, so it may be on a private address; what it links to
    # elsewhere may not (the fetcher's address policy). A bad address fails here, before any
    # process starts.
    site = site_address(address)
    extract = settings.extract
    # spawned, not forked from the extraction pool's warmed-up server: parsing feeds needs
    # none of the extractor's tables, which take seconds to build
    pool = DeadlinePool(
        workers=1,
        max_calls_per_worker=extract.max_pages_per_worker,
        context=multiprocessing.get_context("spawn"),
    )

    def failed(error: str) -> FeedCheck:
        return FeedCheck(title=None, latest=(), entries=0, error=error)

    async def check(fetched: Fetched) -> FeedCheck:
        return await parse_in_worker(
            pool, check_feed, fetched, extract, label=fetched.url, failed=failed
        )

    with pool:
        async with Fetcher(settings.http, operator_hosts=[site]) as fetcher:
            return await find_feeds(site, fetch=fetcher.fetch, check=check, deadline_s=timeout)


def _list_address(feed: FoundFeed) -> str:
    """Where a redirect ended when it stayed on the site (`/feed` to `/feed/`, http to https),
    so the list names the feed a run reads; a site's own address handed to another site (a
    feed host) stays the site's, which the site can point elsewhere later."""
    from wirehouse.urls import site_of

    end = feed.final_url
    return end if end and site_of(end) == site_of(feed.url) else feed.url


def _print_found(found: list[FoundFeed]) -> None:
    table = Table("#", "feed", "url", "found by", "status", "latest titles")
    numbers = {feed.url: number for number, feed in enumerate(found, start=1)}
    for number, feed in enumerate(found, start=1):
        items = f"{feed.entries} item{'' if feed.entries == 1 else 's'}"
        status = feed.error or f"ok, {items}" + (", comments" if feed.comments else "")
        if feed.same_as:
            status += f", same items as #{numbers[feed.same_as]}"
        table.add_row(
            str(number),
            visible(feed.title or ""),
            visible(feed.url),
            feed.via.value,
            visible(status),
            visible("\n".join(feed.latest), keep_layout=True),
        )
    out.print(table)


def _choose_feeds(found: list[FoundFeed], *, all_feeds: bool, pick: list[int]) -> list[FoundFeed]:
    """The feeds `--all` and `--pick` name, or that the user types on a terminal."""
    from wirehouse.errors import ConfigError

    if not all_feeds and not pick:
        if not sys.stdin.isatty():
            raise ConfigError("nothing added: choose with --pick N or --all (or --dry-run)")
        answer = typer.prompt(
            "Add which? Numbers (e.g. 1 3), 'all', or nothing for none",
            default="",
            show_default=False,
        )
        words = answer.replace(",", " ").split()
        all_feeds = "all" in (w.lower() for w in words)
        try:
            pick = [int(w) for w in words if w.lower() != "all"]
        except ValueError:
            raise ConfigError(f"not a feed number: {answer.strip()[:100]!r}") from None
    chosen = [f for f in found if f.ok and not f.comments and not f.same_as] if all_feeds else []
    for number in pick:
        if not 1 <= number <= len(found):
            raise ConfigError(f"no feed {number}: the list has 1 to {len(found)}")
        feed = found[number - 1]
        if not feed.ok:
            raise ConfigError(f"feed {number} does not work: {feed.error}")
        if feed not in chosen:
            chosen.append(feed)
    return chosen


class SearchFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for (BM25 over title and text).")],
    since: Annotated[
        str | None, typer.Option("--since", help="Only articles since: 7d, 24h, or a date.")
    ] = None,
    outlet: Annotated[
        str | None, typer.Option("--outlet", help="Only this outlet (site name or host).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many hits.")] = 20,
    db: DbOption = None,
    data_path: DataPathOption = None,
    fmt: Annotated[
        SearchFormat, typer.Option("--format", help="table, or json (one hit a line).")
    ] = SearchFormat.table,
) -> None:
    """Full-text search over the articles, best match first (rebuilds a stale index first)."""
    from wirehouse.timespec import parse_since
    from wirehouse.warehouse import search as fts
    from wirehouse.warehouse.connection import session

    with _user_errors():
        path = _db(db, data_path)
        when = parse_since(since) if since else None
        if fts.ensure_fresh(path) is not fts.IndexState.FRESH:
            err.print(
                _error_line(
                    "the warehouse is busy; the search index may be behind the latest run",
                    label="warning",
                    style="yellow",
                )
            )
        with session(fts.index_home(path), read_only=True, wait_s=60) as con:
            hits = fts.search(con, query, since=when, outlet=outlet, limit=limit)
    if fmt is SearchFormat.json:
        for h in hits:
            published = h.published_at.astimezone(UTC).isoformat() if h.published_at else None
            row = {
                "title": h.title,
                "url": h.url,
                "published_at": published,
                "score": round(h.score, 4),
                "snippet": h.snippet,
            }
            # \u escapes, as `sql --format json`: the same data, and no bidi mark or
            # control character reaches a terminal raw
            sys.stdout.write(json.dumps(row) + "\n")
        return
    rows = [
        (
            f"{h.score:.2f}",
            h.published_at.strftime("%Y-%m-%d %H:%M") if h.published_at else "",
            h.outlet,
            h.title,
            h.url,
            h.snippet,
        )
        for h in hits
    ]
    _print_rows(["score", "published", "outlet", "title", "url", "snippet"], rows, Format.table)


@app.command()
def export(
    outdir: Annotated[Path, typer.Argument(help="Directory to write into (created if needed).")],
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only articles published since: a date, or 7d, 24h."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="parquet (hive partitions by day) or jsonl (a file a day)."),
    ] = "parquet",
    db: DbOption = None,
    data_path: DataPathOption = None,
) -> None:
    """Export articles as Parquet or JSON lines, partitioned by publication day."""
    from wirehouse.errors import ConfigError
    from wirehouse.timespec import parse_since
    from wirehouse.warehouse.connection import session
    from wirehouse.warehouse.export import ExportFormat, export_articles

    with _user_errors():
        if fmt not in ExportFormat.__members__:
            raise ConfigError(f"unknown export format {fmt!r}: use parquet or jsonl")
        when = parse_since(since) if since else None
        with session(_db(db, data_path), read_only=True, wait_s=60) as con:
            done = export_articles(con, outdir, since=when, fmt=ExportFormat(fmt))
    out.print(f"exported {done.rows} articles to {len(done.files)} files in {visible(outdir)}")


@app.command()
def demo(
    db: DbOption = None,
    data_path: DataPathOption = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="One run with an in-process newsroom, then stop (nothing left in the background).",
        ),
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=5, help="Seconds between the scheduled runs.")
    ] = 60.0,
    edition_every: Annotated[
        float,
        typer.Option("--edition-every", min=1, help="Seconds between the newsroom's editions."),
    ] = 90.0,
    home: DemoHomeOption = Path(".demo"),
    port: Annotated[
        int,
        typer.Option(
            "--port", help="The Prefect server's port on 127.0.0.1 (reused if one answers there)."
        ),
    ] = 4200,
    serve_seconds: Annotated[
        float, typer.Option(help="With --once: keep the newsroom up this long after the run.")
    ] = 0.0,
) -> None:
    """Ingest the bundled demo newsroom (on 127.0.0.1, no internet), then leave it running.

    The newsroom, a Prefect server and the every-minute deployment stay in the background
    until `wirehouse demo-stop` ends them."""
    if once:
        _demo_once(db, data_path, serve_seconds)
        return
    with _user_errors():
        _demo_background(
            db, data_path, home=home, port=port, interval_s=interval, edition_every_s=edition_every
        )


@app.command("demo-stop")
def demo_stop(
    home: DemoHomeOption = Path(".demo"),
) -> None:
    """End what `wirehouse demo` left running: the deployment, the Prefect server, the newsroom."""
    from wirehouse import demo as bg

    for name in (bg.SCHEDULE, bg.SERVER, bg.NEWSROOM):
        stopped = bg.Background(home, name).stop()
        out.print(f"{name}: {'stopped' if stopped else 'not running'}", highlight=False)


def _demo_once(db: str | None, data_path: str | None, serve_seconds: float) -> None:
    import tempfile
    import time

    from wirehouse import demo as bg
    from wirehouse.config.parameters import IngestParameters

    with tempfile.TemporaryDirectory() as tmp:
        feed_list = Path(tmp) / "demo-feeds.toml"
        # fixed ports, so a second demo run finds its feeds again (and gets 304s)
        with _user_errors(), bg.newsroom_for_one_run(feed_list, port_base=DEMO_PORT_BASE):
            feeds = feed_list.read_text(encoding="utf-8").count("[[feeds]]")
            out.print(f"demo newsroom: {feeds} feeds on 127.0.0.1", highlight=False)
            summary = _run_ingest(
                IngestParameters(feeds_file=str(feed_list), db=db, data_path=data_path)
            )
            _print_summary(summary, _db(db, data_path))
            if serve_seconds:
                time.sleep(serve_seconds)
    out.print(
        "\nLook at the result:\n"
        '  .venv/bin/wirehouse sql "SELECT sitename, title, published_at FROM articles'
        ' ORDER BY published_at DESC"\n'
        '  .venv/bin/wirehouse sql "SELECT match_kind, count(*) FROM article_urls GROUP BY ALL"\n'
        "  .venv/bin/wirehouse feeds",
        highlight=False,
    )


# what the demo suggests asking; run against the read copy, which a scheduled run never locks
DEMO_QUERIES = (
    "SELECT title, articles, outlets FROM stories ORDER BY articles DESC, first_seen LIMIT 5",
    "SELECT sitename, title, version, published_at FROM articles ORDER BY updated_at DESC LIMIT 8",
    "SELECT started_at, status, feeds_fetched, feeds_not_modified, new_articles, new_versions"
    " FROM runs ORDER BY started_at DESC LIMIT 5",
)


def _demo_background(
    db: str | None,
    data_path: str | None,
    *,
    home: Path,
    port: int,
    interval_s: float,
    edition_every_s: float,
) -> None:
    """Start (or reuse) the newsroom, a Prefect server and the schedule; run once in between."""
    import shlex

    from wirehouse import demo as bg
    from wirehouse.config.parameters import IngestParameters
    from wirehouse.config.settings import load_settings
    from wirehouse.flows.server import api_url, healthy, server_env, wait_healthy
    from wirehouse.warehouse.connection import read_copy_path, session
    from wirehouse.warehouse.digest import digest_path

    settings = load_settings(db=db, data_path=data_path)
    warehouse = settings.warehouse
    home.mkdir(parents=True, exist_ok=True)
    feed_list = (home / "feeds.toml").resolve()
    room = bg.Background(home, bg.NEWSROOM)
    server = bg.Background(home, bg.SERVER)
    schedule = bg.Background(home, bg.SCHEDULE)

    # a Prefect server: PREFECT_API_URL's, one already on the default port, or a new one
    given = os.environ.get("PREFECT_API_URL")
    api = given or api_url(port)
    if server.pid() is None and not healthy(api):
        if given:
            raise WirehouseError(f"no Prefect server answers at PREFECT_API_URL={given}")
        env = server_env(_prefect_home())
        env.setdefault("PREFECT_UI_API_URL", api)
        prefect = str(Path(sys.executable).with_name("prefect"))
        server.start(
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
        )
    # the newsroom starts meanwhile: fixed ports, so a later demo's feed list stays valid
    if room.pid() is None or not feed_list.exists():
        room.stop()
        feed_list.unlink(missing_ok=True)
        try:
            room.start(
                bg.newsroom_argv(
                    feed_list, port_base=DEMO_PORT_BASE, edition_every_s=edition_every_s
                )
            )
            bg.wait_for_line(room, "feed list written to")
        except WirehouseError:  # its ports are taken: any free ports will do
            room.start(bg.newsroom_argv(feed_list, port_base=None, edition_every_s=edition_every_s))
            bg.wait_for_line(room, "feed list written to")
    wait_healthy(api, timeout_s=300)  # a first start creates its database: slow on a busy machine
    os.environ["PREFECT_API_URL"] = api
    ui = api.removesuffix("/api")
    out.print(
        f"demo newsroom: {feed_list.read_text(encoding='utf-8').count('[[feeds]]')} feeds on"
        f" 127.0.0.1 (a new edition {edition_every_s:g} s after a run reads the last);"
        f" Prefect UI: {ui}",
        highlight=False,
    )

    summary = _run_when_free(
        IngestParameters(feeds_file=str(feed_list), db=db, data_path=data_path)
    )
    _print_summary(summary, warehouse)

    if schedule.pid() is None:
        # a location with a password goes by the environment, not the command line (`ps`)
        secret = {"WIREHOUSE_DB": settings.db} if warehouse.has_secret else {}
        where = ([] if secret else ["--db", settings.db]) + (
            ["--data-path", data_path] if data_path else []
        )
        serve = ["serve", "--interval", f"{interval_s:g}", "--feeds", str(feed_list), *where]
        schedule.start(bg.wirehouse_argv(*serve), env={**os.environ, **secret})
        bg.wait_for_line(schedule, "serving ", timeout_s=120)

    with session(warehouse, read_only=True, wait_s=60) as con:
        row = con.execute("SELECT flow_run_id FROM runs WHERE run_id = ?", [summary.run_id])
        flow_run_id = (row.fetchone() or [None])[0]
    read_db = str(warehouse) if warehouse.is_lake else str(read_copy_path(warehouse.file))
    digest = digest_path(warehouse)
    lines = [
        "",
        "Where to look:",
        f"  this run in the Prefect UI (its Artifacts tab has the summary): "
        f"{ui}/runs/flow-run/{flow_run_id}",
        f"  the scheduled runs, every {interval_s:g} s: {ui}/deployments",
        f"  the digest: {digest.resolve() if digest.exists() else digest}",
        "  SQL on the read copy, which the scheduled runs refresh and never lock:",
        *(f"    .venv/bin/wirehouse sql --db {read_db} {shlex.quote(q)}" for q in DEMO_QUERIES),
        f"In the background (pids and logs in {home}/): the newsroom, the Prefect server"
        f"{'' if server.pid() else ' (one already running)'} and the schedule."
        " `make demo-stop` ends them.",
    ]
    out.print(visible("\n".join(lines), keep_layout=True))


def _run_when_free(asked: IngestParameters) -> Any:
    """One run; while a scheduled run holds the warehouse, wait for it to finish (3 min at most)."""
    import time

    from wirehouse.errors import WarehouseBusy

    deadline = time.monotonic() + 180
    told = False
    while True:
        try:
            return _run_ingest(asked)
        except WarehouseBusy:
            if time.monotonic() >= deadline:
                raise
            if not told:
                err.print(
                    "a scheduled run is writing the warehouse; waiting for it", highlight=False
                )
                told = True
            time.sleep(2)


@app.command()
def digest(
    db: DbOption = None,
    data_path: DataPathOption = None,
    hours: Annotated[int, typer.Option(help="Digest the articles first seen in these hours.")] = 24,
    open_it: Annotated[
        bool, typer.Option("--open", help="Open the digest in a web browser.")
    ] = False,
) -> None:
    """Write the HTML digest of the last hours next to the warehouse (each run writes one too)."""
    import webbrowser

    from wirehouse.warehouse.connection import session
    from wirehouse.warehouse.digest import write_digest

    path = _db(db, data_path)
    with _user_errors(), session(path, read_only=True, wait_s=60) as con:
        written = write_digest(con, path, now=datetime.now(UTC), hours=hours)
    out.print(f"digest: {visible(written)}")
    if open_it:
        webbrowser.open(written.resolve().as_uri())


@app.command()
def prune(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            help="Age such as 90d, 12h or 2w (default: the retention_days setting).",
        ),
    ] = None,
    db: DbOption = None,
    data_path: DataPathOption = None,
) -> None:
    """Delete old fetch log rows and raw pages; articles, texts, newest pages and deferrals stay."""
    from datetime import timedelta

    from wirehouse.config.settings import load_settings
    from wirehouse.errors import ConfigError
    from wirehouse.timespec import parse_duration
    from wirehouse.warehouse.connection import run_lock, session
    from wirehouse.warehouse.migrate import migrate
    from wirehouse.warehouse.retention import prune_and_commit

    with _user_errors():
        settings = load_settings(db=db, data_path=data_path)
        if older_than is not None:
            age = parse_duration(older_than)
        elif settings.retention_days:
            age = timedelta(days=settings.retention_days)
        else:
            raise ConfigError("retention_days is 0 (keep for ever): give --older-than, e.g. 90d")
        warehouse = settings.warehouse
        with run_lock(warehouse), session(warehouse, wait_s=60) as con:
            migrate(con)
            now = datetime.now(UTC)
            pruned = prune_and_commit(con, older_than=age, now=now)
    out.print(
        f"pruned before {pruned.cutoff:%Y-%m-%d %H:%M} UTC: {pruned.fetches} fetch log rows, "
        f"{pruned.pages} pages, {pruned.raw_pages} raw payloads, {pruned.archive_files} archive"
        " files",
        highlight=False,
    )


@app.command()
def reextract(db: DbOption = None, data_path: DataPathOption = None) -> None:
    """Run extraction again over the stored pages (after an extractor upgrade); no network."""
    _prefect_defaults()
    from wirehouse.flows.reextract import reextract as reextract_flow

    with _user_errors():
        counts = asyncio.run(reextract_flow(db=_out_of_parameters(db), data_path=data_path))
    out.print(
        f"re-extracted {counts['pages']} pages: {counts['changed']} articles changed "
        f"(new versions), {counts['unchanged']} unchanged, {counts['rejected']} rejected, "
        f"{counts['unreadable']} unreadable",
        highlight=False,
    )


@app.command()
def server(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 4200,
) -> None:
    """Run a local Prefect server (UI and run history) in the foreground until Ctrl-C."""
    import signal
    import socket

    from wirehouse.flows.server import api_url, running_server

    home = _prefect_home()  # the run history
    with _user_errors():
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                raise WirehouseError(f"port {port} on 127.0.0.1 is taken: {exc.strerror}") from None
        home.mkdir(parents=True, exist_ok=True)
        log = home / "server.log"

        def _stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _stop)
        try:
            with running_server(port=port, home=home, log=log) as proc:
                out.print(
                    f"Prefect server (state in {home}, log in {log})\n"
                    f"  UI:  http://127.0.0.1:{port}\n"
                    f"  export PREFECT_API_URL={api_url(port)}\n"
                    "Press Ctrl-C to stop.",
                    highlight=False,
                )
                code = proc.wait()
                raise WirehouseError(f"the Prefect server exited with code {code}; see {log}")
        except KeyboardInterrupt:
            err.print("Prefect server stopped.", highlight=False)  # by running_server's exit


@app.command()
def serve(
    cron: Annotated[
        str | None,
        typer.Option("--cron", help="Cron schedule, e.g. '*/15 * * * *' (default: the interval)."),
    ] = None,
    interval: Annotated[
        float | None,
        typer.Option(
            "--interval",
            help="Seconds between runs (default schedule_interval_s, 900).",
            show_default=False,
            min=1,
        ),
    ] = None,
    feeds: FeedsOption = None,
    db: DbOption = None,
    data_path: DataPathOption = None,
    shard: ShardOption = None,
) -> None:
    """Run the ingest flow on a schedule as the Prefect deployment `ingest/scheduled`.

    With `--shard I/N` the deployment is `ingest/scheduled-shard-I-of-N`, one per shard.
    """
    _prefect_defaults()
    from wirehouse.config.parameters import IngestParameters
    from wirehouse.errors import ConfigError

    asked = IngestParameters(
        feeds_file=str(feeds) if feeds else None, db=db, data_path=data_path, shard=shard
    )
    with _user_errors():
        api = _prefect_api()
        if cron and interval:
            raise ConfigError("give --cron or --interval, not both")
        settings = _ingest_preflight(asked)
        from wirehouse.flows.deploy import (
            ingest_deployment,
            secret_location_env,
            serve_deployments,
        )

        if not cron and not interval:
            cron = settings.schedule_cron
            interval = None if cron else settings.schedule_interval_s
        # the location as the settings resolved it (WIREHOUSE_DB and the config file included)
        asked = replace(asked, db=settings.db, data_path=settings.data_path)
        deployment = ingest_deployment(asked, interval_s=interval, cron=cron)
        # the runs are subprocesses of this one: they find a secret location in its environment
        os.environ.update(secret_location_env(settings.db))
    when = f"cron '{cron}'" if cron else f"every {interval:g} s"
    out.print(
        f"serving {deployment.flow_name}/{deployment.name} ({when}); runs and their artifacts "
        f"are at {api.removesuffix('/api')}/runs. Press Ctrl-C to stop.",
        highlight=False,
    )
    serve_deployments(deployment, grace_s=settings.stop_grace_s)
    out.print("stopped serving; the schedule is paused until the next `wirehouse serve`")


lake_app = typer.Typer(help="Look after a DuckLake warehouse.", no_args_is_help=True)
app.add_typer(lake_app, name="lake")


@lake_app.command("maintain")
def lake_maintain(
    db: DbOption = None,
    data_path: DataPathOption = None,
    expire_older_than: Annotated[
        str,
        typer.Option("--expire-older-than", help="Expire snapshots older than this (7d, 24h, 0m)."),
    ] = "7d",
    delete_older_than: Annotated[
        str,
        typer.Option(
            "--delete-older-than",
            help="Delete unused and orphaned data files older than this (at least 1h).",
        ),
    ] = "1d",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what expiry and cleanup would delete.")
    ] = False,
) -> None:
    """Compact a DuckLake's small files, expire old snapshots and delete unused files."""
    from wirehouse.warehouse.lake import maintain_lake

    with _user_errors():
        done = maintain_lake(
            _db(db, data_path),
            now=datetime.now(UTC),
            expire_older_than=expire_older_than,
            delete_older_than=delete_older_than,
            dry_run=dry_run,
        )
    out.print(done.describe(), highlight=False)


watch_app = typer.Typer(
    help="Story watches (the watches tables in config/wirehouse.toml): their hits and alerts.",
    no_args_is_help=True,
)
app.add_typer(watch_app, name="watch")


@watch_app.command("list")
def watch_list(
    db: DbOption = None,
    data_path: DataPathOption = None,
    hits: Annotated[int, typer.Option("--hits", min=0, help="Last hits shown per watch.")] = 5,
) -> None:
    """Show each configured watch and its last hits (stories it announced)."""
    from wirehouse.config.settings import load_settings
    from wirehouse.warehouse.connection import session
    from wirehouse.warehouse.watches import last_hits

    with _user_errors():
        settings = load_settings(db=db, data_path=data_path)
        recorded = []
        if settings.watches and hits:
            with session(settings.warehouse, read_only=True, wait_s=60) as con:
                recorded = last_hits(con, per_watch=hits)
    if not settings.watches:
        out.print("no watches: add [[watches]] tables to config/wirehouse.toml (docs/watches.md)")
        return
    by_watch: dict[str, list[Any]] = {}
    for hit in recorded:
        by_watch.setdefault(hit.watch, []).append(hit)
    table = Table("watch", "query", "min outlets", "filters", "last hits")
    for w in settings.watches:
        filters = "; ".join(
            f"{label}: {', '.join(values)}"
            for label, values in (
                ("outlets", w.outlets),
                ("tags", w.tags),
                ("languages", w.languages),
            )
            if values
        )
        lines = [
            f"{h.matched_at:%Y-%m-%d %H:%M} {len(h.outlets)} outlets: {h.title or h.story_id}"
            for h in by_watch.get(w.name, [])
        ]
        table.add_row(
            visible(w.name),
            visible(w.query),
            str(w.min_outlets),
            visible(filters),
            visible("\n".join(lines) or "none yet", keep_layout=True),
        )
    out.print(table)


# where `watch create` reads the webhook URL when no --webhook is given
WEBHOOK_ENV = "WIREHOUSE_WATCH_WEBHOOK"


@watch_app.command("create")
def watch_create(
    name: Annotated[str, typer.Argument(help="A watch's name from config/wirehouse.toml.")],
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            envvar=WEBHOOK_ENV,
            show_default=False,
            help="URL the automation POSTs each hit to (JSON); better from the environment "
            "variable, since a hook's URL is its key and a command line is visible to others.",
        ),
    ] = None,
) -> None:
    """Create (or replace) the Prefect automation that POSTs a watch's hits to a webhook."""
    _prefect_defaults()
    from urllib.parse import urlsplit

    from wirehouse.config.settings import load_settings
    from wirehouse.errors import ConfigError

    with _user_errors():
        if not webhook:
            raise ConfigError(f"give the webhook URL in {WEBHOOK_ENV} (or --webhook URL)")
        if urlsplit(webhook).scheme not in ("http", "https") or not urlsplit(webhook).netloc:
            # the value is not echoed: it may be a key pasted into the wrong place
            raise ConfigError("the webhook must be an http(s) URL with a host")
        api = _prefect_api()
        names = [w.name for w in load_settings().watches]
        if name not in names:
            raise ConfigError(
                f"no watch named {name!r} in the config file (watches: "
                f"{', '.join(names) or 'none'})"
            )
        from wirehouse.flows.watches import automation_name, create_watch_automation
        from wirehouse.watches import webhook_origin

        block_id, automation_id = asyncio.run(create_watch_automation(name, webhook))
    ui = api.removesuffix("/api")
    out.print(
        f"automation {automation_name(name)} ({automation_id}) calls a webhook at "
        f"{visible(webhook_origin(webhook))} on each "
        f"hit of watch {name}, through webhook block {block_id}\n"
        f"  {ui}/automations/automation/{automation_id}"
    )


if __name__ == "__main__":
    app()
