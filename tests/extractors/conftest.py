"""Shared fixtures of the extraction tests: the unseen gold pages, extracted once per session."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.page import extract_page
from wirehouse.records import Entry, Extracted, Page, Rejected

UNSEEN = Path(__file__).resolve().parents[1] / "fixtures" / "unseen"
FETCHED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class GoldPage:
    name: str
    html: bytes
    gold: dict

    @property
    def url(self) -> str:
        return str(self.gold["url"])

    @property
    def body(self) -> str:
        return "\n".join(self.gold["body"])

    def page(self, *, published_at: datetime | None = None) -> Page:
        entry = Entry(
            feed_url="https://feeds.unseen.example/rss.xml",
            url=self.url,
            url_key=self.url,
            guid=None,
            title="Feed title of " + self.name,
            summary="Feed summary of " + self.name,
            published_at=published_at,
        )
        return Page(entry, self.url, self.html, "text/html", FETCHED_AT)


def load_gold_pages() -> list[GoldPage]:
    pages = []
    for path in sorted(UNSEEN.glob("*.json")):
        if path.name == "quality_floors.json":
            continue
        gold = json.loads(path.read_text(encoding="utf-8"))
        pages.append(GoldPage(path.stem, (UNSEEN / gold["file"]).read_bytes(), gold))
    return pages


GOLD_PAGES = load_gold_pages()


@pytest.fixture(scope="session")
def settings() -> ExtractSettings:
    return ExtractSettings(workers=2, batch_size=4, max_pages_per_worker=8)


@pytest.fixture(scope="session")
def extracted(settings: ExtractSettings) -> dict[str, Extracted | Rejected]:
    """Every gold page through the pipeline's extraction, once per session."""
    return {p.name: extract_page(p.html, p.url, settings=settings) for p in GOLD_PAGES}


@pytest.fixture(scope="session")
def floors() -> dict:
    return json.loads((UNSEEN / "quality_floors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages() -> list[Page]:
    """The gold pages and one that is not HTML: a batch with a rejection in it."""
    gold = [p.page() for p in GOLD_PAGES]
    bad = dataclasses.replace(
        gold[0], body=b"%PDF-1.4 not a page", final_url="https://x.example/a.pdf"
    )
    return [*gold, bad]
