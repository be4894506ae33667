"""The Prefect UI, in a real headless Chromium, shows what an ingest run published.

One real ingest run against the demo newsroom, recorded by the session's Prefect server; then
the browser opens that flow run and its artifacts, and the numbers on screen are the run's.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from devkit.newsroom import Newsroom
from tests.browser.conftest import run_beside_playwright
from wirehouse.flows.artifacts import FAILURES_KEY, SUMMARY_KEY
from wirehouse.flows.ingest import ingest

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def room():
    with Newsroom(slow_seconds=0.3) as newsroom:
        yield newsroom


@pytest.fixture(scope="module")
def ingested(prefect_api, room, tmp_path_factory):
    """One ingest run: (UI base URL, its flow run id, its summary)."""
    db = tmp_path_factory.mktemp("browser") / "wirehouse.duckdb"
    summary = run_beside_playwright(ingest(feeds=room.feed_urls, db=str(db)))
    with duckdb.connect(str(db), read_only=True) as con:
        [(flow_run_id,)] = con.execute(
            "SELECT flow_run_id FROM runs WHERE run_id = ?", [summary.run_id]
        ).fetchall()
    assert flow_run_id, "the run recorded no Prefect flow run id"
    ui = prefect_api.removesuffix("/api")
    return ui, str(flow_run_id), summary


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_flow_run_page_shows_the_runs_summary_and_failures(ingested, room, page, screenshot):
    from playwright.sync_api import expect

    ui, flow_run_id, summary = ingested

    # the flow run's page, its Artifacts tab: one card per artifact the run published
    page.goto(f"{ui}/runs/flow-run/{flow_run_id}")
    page.get_by_text("Artifacts", exact=True).click()
    summary_card = page.get_by_role("link").filter(has=page.get_by_text(SUMMARY_KEY, exact=True))
    failures_card = page.get_by_role("link").filter(has=page.get_by_text(FAILURES_KEY, exact=True))
    expect(summary_card).to_contain_text(f"Counts of ingest run {summary.run_id}")
    expect(failures_card).to_be_visible()
    run_png = screenshot(page, "flow-run-artifacts")

    # the summary, rendered from its markdown: the run's counts are on screen
    summary_card.click()
    expect(page.get_by_role("heading", name=f"Ingest run {summary.run_id}")).to_be_visible()
    for label, value in [
        ("new articles", summary.new_articles),
        ("pages failed", summary.pages_failed),
        ("entries seen", summary.entries_seen),
    ]:
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=label, exact=True))
        expect(row.get_by_role("cell").nth(1)).to_have_text(str(value))
    summary_png = screenshot(page, "ingest-summary")

    # the failures table: the newsroom's 404 page is one of its rows
    page.go_back()
    page.get_by_text("Artifacts", exact=True).click()
    failures_card.click()
    missing = page.get_by_role("row").filter(
        has=page.get_by_text(room.faults["missing_page"], exact=True)
    )
    expect(missing).to_contain_text("http_404")
    failures_png = screenshot(page, "ingest-failures")

    for png in (run_png, summary_png, failures_png):
        assert_png(png)


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), f"{path} is not a PNG"
    assert len(data) > 10_000, f"{path} is only {len(data)} bytes: a blank page?"
