"""The HTML digest as a person sees it: rendered by headless Chromium from a real ingest."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

from wirehouse.flows.ingest import ingest
from wirehouse.newsroom import Newsroom


def test_the_digest_shows_the_story_titles_and_draws_the_chart(
    prefect_api, browser, screenshot, tmp_path
):
    db = tmp_path / "wirehouse.duckdb"
    with Newsroom(slow_seconds=0.1) as room:
        # playwright's sync API keeps an event loop running in this thread: run the flow in another
        # (with a copy of this context, so the flow keeps the test's Prefect server settings)
        context = contextvars.copy_context()
        with ThreadPoolExecutor(1) as pool:
            flow = ingest(feeds=room.feed_urls, db=str(db))
            pool.submit(context.run, asyncio.run, flow).result()
        truth = room.truth
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.goto((tmp_path / "digest.html").as_uri())
        titles = page.locator("section.story h2").all_inner_texts()
        strike = [t.title for t in truth if t.story == "harbour-strike"]
        assert titles[0] in strike  # the story most outlets carried comes first
        assert {t.title for t in truth if t.copy_of is None and t.kind == "article"} & set(titles)
        bars = page.locator("svg.chart rect.bar")
        assert bars.count() >= 5
        box = bars.first.bounding_box()
        assert box is not None and box["height"] > 0 and box["width"] > 0  # drawn, not just there
        shot = screenshot(page, "digest")
        assert shot.stat().st_size > 10_000
    finally:
        page.close()
