"""Fixtures: running demo newsrooms (slow page shortened) and an HTTP client for them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devkit.newsroom import Newsroom

SLOW_SECONDS = 0.2


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    """Shared by a module's read-only tests; tests that advance use `fresh_newsroom`."""
    with Newsroom(slow_seconds=SLOW_SECONDS) as running:
        yield running


@pytest.fixture
def fresh_newsroom() -> Iterator[Newsroom]:
    with Newsroom(slow_seconds=SLOW_SECONDS) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as http:
        yield http
