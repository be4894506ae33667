"""What a run shows in the Prefect UI: the summary artifact's text and the run's final state."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from wirehouse.flows.artifacts import failure_rows, render_summary
from wirehouse.flows.ingest import _tally_feeds, ingest
from wirehouse.records import (
    FeedOutcome,
    FeedSource,
    Fetched,
    FetchKind,
    ParsedFeed,
    Rejected,
    RunSummary,
)
from wirehouse.warehouse.connection import run_lock

NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)


def summary() -> RunSummary:
    return RunSummary(
        run_id="abc123",
        feeds_total=7,
        feeds_fetched=4,
        feeds_not_modified=1,
        feeds_failed=1,
        feeds_skipped=1,
        entries_seen=40,
        entries_new=30,
        entries_unlinked=2,
        pages_fetched=28,
        pages_failed=3,
        new_articles=25,
        new_versions=2,
        duplicates={"exact": 1, "url": 3, "near": 1},
        stories_touched={"s1", "s2"},
        rejected=[
            Rejected("feed", "http://a/feed", "http_500"),
            Rejected("page", "http://a/1", "http_404"),
            Rejected("page", "http://a/2", "http_404"),
            Rejected("extract", "http://a/3.pdf", "not_html", "pdf"),
        ],
        stage_seconds={"load": 0.5, "open": 0.01, "extract": 3.25, "fetch_feeds": 1.0},
    )


def test_the_summary_markdown_has_every_count_an_operator_asks_for():
    text = render_summary(summary())
    rows = {
        "fetched": 4,
        "not modified": 1,
        "failed": 1,
        "not due": 1,
        "entries seen": 40,
        "entries without a link (not stored)": 2,
        "new articles": 25,
        "new versions": 2,
        "duplicates": 5,
        "stories touched": 2,
        "url": 3,
        "exact": 1,
        "near": 1,
        "http_404": 2,
        "not_html": 1,
    }
    for label, value in rows.items():
        assert f"\n| {label} | {value} |\n" in text, label
    assert "http_500" not in text  # a failed feed is a feed count, not a page failure
    # stages in the order a run goes through them, two decimals
    assert text.index("| open | 0.01 |") < text.index("| fetch_feeds | 1.00 |")
    assert text.index("| extract | 3.25 |") < text.index("| load | 0.50 |")
    assert text.startswith("# Ingest run `abc123`")


def test_an_empty_run_says_so_instead_of_showing_empty_tables():
    text = render_summary(RunSummary(run_id="x"))
    assert "No duplicates." in text and "No page failed." in text
    assert failure_rows(RunSummary(run_id="x")) == []


def test_failure_rows_list_feeds_and_pages_with_their_reason():
    rows = failure_rows(summary())
    assert rows[0] == {"stage": "feed", "url": "http://a/feed", "reason": "http_500", "detail": ""}
    assert rows[-1]["detail"] == "pdf" and len(rows) == 4


def test_a_run_that_finds_the_warehouse_busy_ends_cancelled_and_writes_nothing(
    prefect_api, tmp_path
):
    db = tmp_path / "w.duckdb"
    with run_lock(db):  # as another run would hold it
        state = asyncio.run(
            ingest(feeds=["http://127.0.0.1:9/feed.xml"], db=str(db), return_state=True)
        )
    assert state.is_cancelled()
    assert state.message and state.message.startswith("skipped: another ingest run")
    assert not db.exists()


def test_the_workers_warm_up_only_once_the_run_holds_the_warehouse(
    prefect_api, tmp_path, monkeypatch
):
    started: list[bool] = []
    monkeypatch.setattr("wirehouse.flows.ingest.start_forkserver", lambda: started.append(True))
    db = tmp_path / "w.duckdb"
    feeds = ["http://127.0.0.1:9/feed.xml"]  # refused: the run records it and completes
    with run_lock(db):  # a skipped run starts no worker
        state = asyncio.run(ingest(feeds=feeds, db=str(db), return_state=True))
    assert state.is_cancelled() and started == []
    state = asyncio.run(ingest(feeds=feeds, db=str(db), return_state=True))
    assert state.is_completed() and started == [True]


def test_a_run_that_cannot_open_its_warehouse_fails_with_the_reason(prefect_api, tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"this is not a DuckDB database" * 200)
    state = asyncio.run(
        ingest(feeds=["http://127.0.0.1:9/feed.xml"], db=str(db), return_state=True)
    )
    assert state.is_failed()
    assert state.message and "cannot open warehouse" in state.message


def test_a_run_publishes_nothing_when_it_did_nothing(prefect_api, tmp_path):
    """A skipped run leaves no summary behind that could be mistaken for a real run's."""
    db = tmp_path / "w.duckdb"
    with run_lock(db):
        state = asyncio.run(
            ingest(feeds=["http://127.0.0.1:9/feed.xml"], db=str(db), return_state=True)
        )

    async def artifacts() -> list:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
                )
            )

    assert asyncio.run(artifacts()) == []


def test_feed_items_without_a_link_are_counted_not_failed():
    parsed = ParsedFeed("http://a/feed", "A", None, (), unlinked=3)
    fetched = Fetched("http://a/feed", FetchKind.FEED, "http://a/feed", 200, NOW, 1.0, b"<rss/>")
    counted = RunSummary(run_id="r")
    _tally_feeds(counted, [FeedOutcome(FeedSource(url="http://a/feed"), fetched, parsed)])
    assert counted.entries_unlinked == 3 and counted.feeds_failed == 0
    assert counted.rejected == []
