"""A watch's automation, made by `wirehouse watch create`'s function, as the Prefect UI shows it
in a real headless Chromium: its description and its webhook block. (Its trigger, the event and
the watch's resource, is checked through the API and a real call in tests/flows/test_watches.py:
the UI shows it only as "A custom trigger".)"""

from __future__ import annotations

import re

from tests.browser.conftest import run_beside_playwright
from wirehouse.flows.watches import automation_name, create_watch_automation

TIMEOUT_MS = 20_000
# never called: nothing emits events here; its path is a key the UI must not show
WEBHOOK = "http://127.0.0.1:9/services/T0HARBOUR/B0DESK/s3cretHookKey42"


def test_the_prefect_ui_shows_the_watchs_automation(prefect_api, browser, screenshot):
    from playwright.sync_api import expect

    _, automation_id = run_beside_playwright(create_watch_automation("strike", WEBHOOK))
    ui = prefect_api.removesuffix("/api")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{ui}/automations")
        expect(page.get_by_text(automation_name("strike")).first).to_be_visible(timeout=TIMEOUT_MS)
        page.goto(f"{ui}/automations/automation/{automation_id}")
        expect(
            page.get_by_text("Calls a webhook at http://127.0.0.1:9/... when wirehouse watch")
        ).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("s3cret")).to_have_count(0)
        expect(page.get_by_text("Send a custom webhook notification")).to_be_visible()
        block = page.get_by_role("link", name=automation_name("strike"))
        expect(block).to_have_attribute("href", re.compile(r"^/blocks/block/[0-9a-f-]{36}$"))
        shot = screenshot(page, "watch-automation")
        assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    finally:
        page.close()
