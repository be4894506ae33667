"""The HTML digest as a person sees it: rendered by headless Chromium from real ingest runs.

Two runs against the demo newsroom with a `strike` watch configured: the first brings the
harbour strike from three outlets (the watch announces it), the second the next edition, in
which the Courier corrected its strike report (a new version since the first run's digest).
"""

from __future__ import annotations

import json

from devkit.newsroom import Newsroom
from tests.browser.conftest import run_beside_playwright
from wirehouse.flows.ingest import ingest

WATCHES = [{"name": "strike", "query": "dockers strike", "min_outlets": 3}]


def test_the_digest_is_a_front_page_of_linked_headlines_watch_hits_and_updates(
    prefect_api, browser, screenshot, tmp_path, monkeypatch
):
    from playwright.sync_api import expect

    monkeypatch.setenv("WIREHOUSE_WATCHES", json.dumps(WATCHES))
    # tiny pages: an extraction timeout would only mean a machine loaded by other work
    monkeypatch.setenv("WIREHOUSE_EXTRACT__PAGE_TIMEOUT_S", "300")
    monkeypatch.setenv("WIREHOUSE_EXTRACT__FEED_PARSE_TIMEOUT_S", "300")
    db = tmp_path / "wirehouse.duckdb"
    with Newsroom(slow_seconds=0.1) as room:
        run_beside_playwright(ingest(feeds=room.feed_urls, db=str(db)))
        room.advance()
        run_beside_playwright(ingest(feeds=room.feed_urls, db=str(db)))
        truth = room.truth
        origins = room.origins
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.goto((tmp_path / "digest.html").as_uri())
        titles = page.locator("section.story h2").all_inner_texts()
        strike = [t.title for t in truth if t.story == "harbour-strike"]
        assert titles[0] in strike  # the story most outlets carried comes first
        assert {t.title for t in truth if t.copy_of is None and t.kind == "article"} & set(titles)

        # its articles are "outlet — headline" links to the articles, not bare URLs
        first = page.locator("section.story").first
        links = first.locator("li.article > a")
        assert links.count() >= 3
        by_url = {t.url: t for t in truth}
        outlet_names = set(origins)
        for i in range(links.count()):
            link = links.nth(i)
            href = link.get_attribute("href") or ""
            outlet, _, headline = link.inner_text().partition(" — ")
            assert href.startswith("http://127.0.0.1:"), href
            assert href in by_url and headline == by_url[href].title
            assert outlet in outlet_names
            assert link.inner_text() != href

        # the watch that announced it, and the Courier's correction since the last digest
        expect(first.locator(".watch-hits")).to_contain_text("strike")
        expect(first.locator(".updates")).to_have_text("1 new version(s) since the last digest")
        updated = first.locator("li.article").filter(has=page.locator(".updated"))
        expect(updated).to_have_count(1)
        expect(updated.locator("a").first).to_contain_text("Amsel Courier — ")

        # stories no watch announced say nothing of watches
        assert page.locator(".watch-hits").count() == 1

        bars = page.locator("svg.chart rect.bar")
        assert bars.count() >= 5
        box = bars.first.bounding_box()
        assert box is not None and box["height"] > 0 and box["width"] > 0  # drawn, not just there
        shot = screenshot(page, "digest")
        assert shot.stat().st_size > 10_000
    finally:
        page.close()
