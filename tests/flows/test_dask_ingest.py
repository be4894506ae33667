"""The real ingest flow beyond one machine's processes: extraction on a Dask cluster (two worker
processes on loopback) loads exactly the rows the local pool loads, an unreachable scheduler
fails the run in one line before any page is fetched, and a shard fetches only its feeds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from devkit.newsroom import Newsroom
from devkit.ports import free_port
from wirehouse.cli import app
from wirehouse.config.shards import shard_of
from wirehouse.errors import ConfigError
from wirehouse.flows.ingest import ingest

DASK_ADDRESS = "WIREHOUSE_EXTRACT__DASK_ADDRESS"

# what a run decides, without the clock: ids, urls, titles, text hashes, duplicates, stories
SNAPSHOT = {
    "articles": """
        SELECT article_id, url, url_key, canonical_url, title, content_hash, body_source,
               published_at_source,
               CASE WHEN published_at_source <> 'first_seen' THEN published_at END,
               version, story_id
        FROM articles""",
    "article_urls": "SELECT url, feed_url, article_id, match_kind, similarity FROM article_urls",
    "article_versions": "SELECT article_id, version, title, content_hash FROM article_versions",
    # the payload's digest: the same bytes stored (each run's archive read back elsewhere)
    "pages": "SELECT p.url, p.article_id, p.html_bytes, r.raw_hash FROM pages p"
    " JOIN raw_pages r USING (raw_hash)",
}


def snapshot(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {table: sorted(con.execute(sql).fetchall()) for table, sql in SNAPSHOT.items()}


@pytest.fixture(scope="module")
def room() -> Iterator[Newsroom]:
    with Newsroom(slow_seconds=0.3) as newsroom:
        yield newsroom


def test_extraction_on_dask_loads_the_same_rows_as_local_processes(
    prefect_api, room, dask_cluster, tmp_path, monkeypatch
):
    local, on_dask = tmp_path / "local.duckdb", tmp_path / "dask.duckdb"
    monkeypatch.delenv(DASK_ADDRESS, raising=False)
    asyncio.run(ingest(feeds=room.feed_urls, db=str(local)))

    monkeypatch.setenv(DASK_ADDRESS, dask_cluster.scheduler_address)
    logged = len(dask_cluster.scheduler.transition_log)
    summary = asyncio.run(ingest(feeds=room.feed_urls, db=str(on_dask)))

    ran_on_dask = {
        key
        for key, _, finish, *_ in list(dask_cluster.scheduler.transition_log)[logged:]
        if finish == "memory"
    }
    assert ran_on_dask and all(key.startswith("extract_batch-") for key in ran_on_dask)
    assert summary.pages_fetched >= 20
    expected = snapshot(local)
    assert len(expected["articles"]) >= 17
    assert snapshot(on_dask) == expected


@pytest.mark.parametrize("command", ["ingest", "backfill"])
def test_an_unreachable_scheduler_is_one_line_before_the_run_starts(
    prefect_api, room, tmp_path, monkeypatch, command
):
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv(DASK_ADDRESS, address)
    # every loading command extracts on the scheduler: each checks it before its run starts
    option = {"ingest": "--feed", "backfill": "--sitemap"}[command]
    options = [o for url in room.feed_urls for o in (option, url)]
    requests = len(room.requests())
    result = CliRunner().invoke(app, [command, "--db", str(tmp_path / "w.duckdb"), *options])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"error: extract.dask_address: cannot reach the Dask scheduler at {address}: "
        f"Timed out trying to connect to {address} after 10 s"
    ]
    assert len(room.requests()) == requests  # not even a feed was fetched


def test_a_run_that_cannot_reach_the_scheduler_fails_before_fetching_any_page(
    prefect_api, room, tmp_path, monkeypatch
):
    # a scheduled run (no CLI check first) whose scheduler is gone: here, a malformed address
    monkeypatch.setenv(DASK_ADDRESS, "tcp://127.0.0.1:not-a-port")
    db = tmp_path / "w.duckdb"
    bad = re.escape("extract.dask_address: bad address 'tcp://127.0.0.1:not-a-port'")
    with pytest.raises(ConfigError, match=f"^{bad}"):
        asyncio.run(ingest(feeds=room.feed_urls, db=str(db)))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]
        assert con.execute("SELECT count(*) FROM pages").fetchall() == [(0,)]
        pages = con.execute("SELECT count(*) FROM fetches WHERE kind = 'page'").fetchall()
        assert pages == [(0,)]


def test_a_shard_fetches_only_its_feeds(prefect_api, room, tmp_path, monkeypatch):
    monkeypatch.delenv(DASK_ADDRESS, raising=False)
    # the newsroom's ports are random, so two shards may by chance hold all its hosts in one:
    # take the fewest shards that split them, so the shard is always a true part
    count = next(n for n in range(2, 100) if len({shard_of(u, n) for u in room.feed_urls}) > 1)
    index = shard_of(room.feed_urls[0], count)
    db = tmp_path / "w.duckdb"
    asyncio.run(ingest(feeds=room.feed_urls, db=str(db), shard=f"{index}/{count}"))
    with duckdb.connect(str(db), read_only=True) as con:
        fetched = {url for (url,) in con.execute("SELECT feed_url FROM feeds").fetchall()}
    assert fetched == {url for url in room.feed_urls if shard_of(url, count) == index}
    assert 0 < len(fetched) < len(room.feed_urls)
