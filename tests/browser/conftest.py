"""Browser tests: the Prefect UI rendered by a real headless Chromium (Debian's, via playwright).

Chromium comes from the system (`apt-get install chromium`), never from `playwright install`:
CI has no internet to download playwright's own build.
"""

from __future__ import annotations

import asyncio
import contextvars
import shutil
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# The same Prefect 3.8.8 leak as in tests/flows/conftest.py: each flow run opens an API socket
# (prefect/results.py, `_read_server_default_result_storage_block_id`) and never closes it. These
# tests run one ingest flow to have something to look at, so they allow it too; nothing else.
PREFECT_SOCKET_LEAK = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)


def run_beside_playwright(coro: Coroutine[object, object, T]) -> T:
    """Run `coro` to its end on an event loop of its own in a worker thread.

    The sync playwright API keeps an event loop running in the test's thread, so a flow cannot
    run there; a copy of this context keeps the test's Prefect server settings.
    """
    context = contextvars.copy_context()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(context.run, asyncio.run, coro).result()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(PREFECT_SOCKET_LEAK)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium (playwright sync API); fails, never skips, when it is missing.

    Module-scoped: playwright's sync API keeps an event loop running in the test thread while
    it is open, which would break every later test that calls `asyncio.run`.
    """
    if not (CHROMIUM.is_file() or shutil.which(str(CHROMIUM))):
        pytest.fail(
            f"browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("browser tests need the `playwright` package (dev group)", pytrace=False)

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshot(tmp_path: Path):
    """`screenshot(page, name)` saves a full-page PNG under the test's tmp dir; returns its path."""

    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
