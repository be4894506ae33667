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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from wirehouse.errors import WirehouseError

if TYPE_CHECKING:
    from wirehouse.warehouse.location import Warehouse

app = typer.Typer(
    help="Scheduled news ingestion: feeds to clean, deduplicated articles in DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# off a terminal (a pipe, a file), tables are as wide as their content instead of wrapped
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 10_000)
err = Console(stderr=True, soft_wrap=True)

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


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _prefect_defaults() -> None:
    """Settings Prefect must have before it is imported: no telemetry, quiet console on a TTY."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # with no PREFECT_API_URL Prefect starts a temporary server in-process; its first start
    # creates its database, which takes longer than Prefect's 20 s default on a busy machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if sys.stderr.isatty():
        # the progress display shows the run; Prefect's own log lines stay in its API and UI
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except WirehouseError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _db(db: str | None) -> Warehouse:
    from wirehouse.config.settings import load_settings

    return load_settings(db=db).warehouse


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
    feeds_file = str(feeds) if feeds else None
    with _user_errors():
        _preflight(feeds=feed, feeds_file=feeds_file, db=db, data_path=data_path, shard=shard)
        summary = _run_ingest(
            feeds=feed, feeds_file=feeds_file, db=db, data_path=data_path, shard=shard
        )
    _print_summary(summary, _db(db))


def _preflight(
    *,
    feeds: list[str] | None,
    feeds_file: str | None,
    db: str | None,
    data_path: str | None = None,
    shard: str | None = None,
) -> None:
    """Fail in a second, with one line, on what would fail the run (before Prefect starts)."""
    from wirehouse.config.feedlist import resolve_sources
    from wirehouse.config.settings import load_settings
    from wirehouse.config.shards import parse_shard, select_shard
    from wirehouse.warehouse.connection import connect

    settings = load_settings(db=db, data_path=data_path)
    sources = resolve_sources(settings, feeds=feeds, feeds_file=feeds_file)
    if shard:
        select_shard(sources, parse_shard(shard))
    connect(settings.warehouse, wait_s=5).close()
    if settings.extract.dask_address:
        from wirehouse.extractors.pool import open_pool

        open_pool(settings.extract).close()  # the scheduler answers and has workers


def _run_ingest(
    *,
    feeds: list[str] | None,
    feeds_file: str | None,
    db: str | None,
    data_path: str | None = None,
    shard: str | None = None,
) -> Any:
    _prefect_defaults()
    from prefect.exceptions import CancelledRun

    from wirehouse.errors import WarehouseBusy
    from wirehouse.flows.ingest import ingest as ingest_flow

    with _progress_display():
        try:
            return asyncio.run(
                ingest_flow(
                    feeds=feeds, feeds_file=feeds_file, db=db, data_path=data_path, shard=shard
                )
            )
        except CancelledRun as exc:  # the flow skips itself when another run holds the lock
            raise WarehouseBusy(str(exc).removeprefix("skipped: ")) from None


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


def _print_summary(summary: Any, db: Warehouse) -> None:
    dups = summary.duplicates
    dup_text = ", ".join(f"{k} {v}" for k, v in sorted(dups.items())) or "none"
    failures = [r for r in summary.rejected if r.stage in ("feed", "page", "extract")]
    out.print(
        f"[bold]run {summary.run_id}[/bold]: {summary.feeds_fetched} feeds fetched, "
        f"{summary.feeds_not_modified} not modified, {summary.feeds_failed} failed, "
        f"{summary.feeds_skipped} not due",
        highlight=False,
    )
    out.print(
        f"  {summary.entries_seen} entries seen, {summary.entries_new} new; "
        f"{summary.new_articles} new articles, {summary.new_versions} new versions; "
        f"duplicates skipped: {sum(dups.values())} ({dup_text}); "
        f"{len(summary.stories_touched)} stories touched",
        highlight=False,
    )
    if failures:
        out.print(f"  {len(failures)} failures:", highlight=False)
        for r in failures[:15]:
            out.print(f"    {r.stage:7} {r.reason:22} {r.url}", highlight=False)
        if len(failures) > 15:
            out.print(f"    ... and {len(failures) - 15} more (see the `fetches` table)")
    out.print(f"  warehouse: {db}", highlight=False)


@app.command()
def sql(
    query: Annotated[
        str | None,
        typer.Argument(help="The SQL to run (read-only); none: an interactive prompt."),
    ] = None,
    db: DbOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="Output format (parquet needs --output).")
    ] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", help="File to write (with --format parquet).")
    ] = None,
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
        with session(_db(db), read_only=True, wait_s=60) as con:
            with contextlib.suppress(WirehouseError):  # without fts, only search fails
                load_fts(con)
            if query is None:
                sqlshell.repl(
                    con,
                    lambda cols, rows: _print_rows(cols, rows, fmt),
                    lambda msg: err.print(f"[red]error:[/red] {msg}", highlight=False),
                )
                return
            if output is not None:
                n = sqlshell.write_parquet(con, query, output)
                out.print(f"wrote {n} rows to {output}", highlight=False)
                return
            columns, rows = sqlshell.run_query(con, query)
    _print_rows(columns, rows, fmt)


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: Format) -> None:
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt is Format.json:
        for row in rows:
            sys.stdout.write(
                json.dumps(dict(zip(columns, row, strict=True)), default=_jsonable) + "\n"
            )
    else:
        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)
        out.print(f"({len(rows)} rows)", style="dim")


def _jsonable(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@app.command()
def feeds(db: DbOption = None) -> None:
    """Show each feed's health: last fetch, status, new items, failures in a row."""
    from wirehouse.warehouse.connection import session

    with _user_errors(), session(_db(db), read_only=True, wait_s=60) as con:
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
    fmt: Annotated[
        SearchFormat, typer.Option("--format", help="table, or json (one hit a line).")
    ] = SearchFormat.table,
) -> None:
    """Full-text search over the articles, best match first (rebuilds a stale index first)."""
    from datetime import UTC

    from wirehouse.timespec import parse_since
    from wirehouse.warehouse import search as fts
    from wirehouse.warehouse.connection import session

    with _user_errors():
        path = _db(db)
        when = parse_since(since) if since else None
        if fts.ensure_fresh(path) is not fts.IndexState.FRESH:
            err.print(
                "[yellow]warning:[/yellow] the warehouse is busy; the search index may be"
                " behind the latest run",
                highlight=False,
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
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
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
        with session(_db(db), read_only=True, wait_s=60) as con:
            done = export_articles(con, outdir, since=when, fmt=ExportFormat(fmt))
    out.print(
        f"exported {done.rows} articles to {len(done.files)} files in {outdir}", highlight=False
    )


@app.command()
def demo(
    db: DbOption = None,
    serve_seconds: Annotated[
        float, typer.Option(help="Keep the newsroom up this long after the run (0: stop).")
    ] = 0.0,
) -> None:
    """Ingest the bundled demo newsroom (served on 127.0.0.1, no internet needed)."""
    import tempfile
    import time

    from wirehouse.newsroom import Newsroom

    try:  # fixed ports, so a second demo run finds its feeds again (and gets 304s)
        room = Newsroom(port_base=DEMO_PORT_BASE).start()
    except OSError:
        room = Newsroom().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            feed_list = room.write_feed_list(Path(tmp) / "demo-feeds.toml")
            out.print(
                f"demo newsroom: {len(room.origins)} outlets, {len(room.feed_urls)} feeds"
                " on 127.0.0.1",
                highlight=False,
            )
            with _user_errors():
                summary = _run_ingest(feeds=None, feeds_file=str(feed_list), db=db)
            _print_summary(summary, _db(db))
            if serve_seconds:
                time.sleep(serve_seconds)
    finally:
        room.stop()
    out.print(
        "\nLook at the result:\n"
        '  .venv/bin/wirehouse sql "SELECT sitename, title, published_at FROM articles'
        ' ORDER BY published_at DESC"\n'
        '  .venv/bin/wirehouse sql "SELECT match_kind, count(*) FROM article_urls GROUP BY ALL"\n'
        "  .venv/bin/wirehouse feeds",
        highlight=False,
    )


@app.command()
def digest(
    db: DbOption = None,
    hours: Annotated[int, typer.Option(help="Digest the articles first seen in these hours.")] = 24,
    open_it: Annotated[
        bool, typer.Option("--open", help="Open the digest in a web browser.")
    ] = False,
) -> None:
    """Write the HTML digest of the last hours next to the warehouse (each run writes one too)."""
    import webbrowser
    from datetime import UTC

    from wirehouse.warehouse.connection import session
    from wirehouse.warehouse.digest import write_digest

    path = _db(db)
    with _user_errors(), session(path, read_only=True, wait_s=60) as con:
        written = write_digest(con, path, now=datetime.now(UTC), hours=hours)
    out.print(f"digest: {written}", highlight=False)
    if open_it:
        webbrowser.open(written.resolve().as_uri())


@app.command()
def reextract(db: DbOption = None) -> None:
    """Run extraction again over the stored pages (after an extractor upgrade); no network."""
    _prefect_defaults()
    from wirehouse.flows.reextract import reextract as reextract_flow

    with _user_errors():
        counts = asyncio.run(reextract_flow(db=db))
    out.print(
        f"re-extracted {counts['pages']} pages: {counts['changed']} articles changed "
        f"(new versions), {counts['unchanged']} unchanged, {counts['rejected']} rejected",
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

    # run history lives in PREFECT_HOME: .prefect/ here unless the user chose another place
    home = Path(os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect")))
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
    from prefect.settings import PREFECT_API_URL

    from wirehouse.config.settings import load_settings

    if not PREFECT_API_URL.value():
        err.print(
            "error: PREFECT_API_URL is not set: run `wirehouse server` first and export the "
            "URL it prints",
            highlight=False,
        )
        raise typer.Exit(2)
    if cron and interval:
        err.print("error: give --cron or --interval, not both", highlight=False)
        raise typer.Exit(2)
    feeds_file = str(feeds) if feeds else None
    with _user_errors():
        _preflight(feeds=None, feeds_file=feeds_file, db=db, data_path=data_path, shard=shard)
        settings = load_settings(db=db, data_path=data_path)
        from wirehouse.config.shards import parse_shard
        from wirehouse.flows.deploy import ingest_deployment, serve_deployments

        if not cron and not interval:
            cron = settings.schedule_cron
            interval = None if cron else settings.schedule_interval_s
        deployment = ingest_deployment(
            feeds_file=feeds_file,
            db=settings.db,
            interval_s=interval,
            cron=cron,
            shard=parse_shard(shard) if shard else None,
            data_path=settings.data_path,
        )
    when = f"cron '{cron}'" if cron else f"every {interval:g} s"
    out.print(
        f"serving {deployment.flow_name}/{deployment.name} ({when}); runs and their artifacts "
        "are at "
        f"{PREFECT_API_URL.value().removesuffix('/api')}/runs. Press Ctrl-C to stop.",
        highlight=False,
    )
    serve_deployments(deployment)
    out.print("stopped serving; the schedule is paused until the next `wirehouse serve`")


if __name__ == "__main__":
    app()
