"""The newsroom's content model: pieces as written, their revisions, and the ground truth.

The data files in `stories/` hold `Piece` values (`curated.py` reads them); `site.py` turns
them into pages and feeds for one edition; `TruthArticle` is what tests assert against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Piece:
    """One article as an outlet published it (or a feed-only link, for `missing`/`document`).

    `published` is aware and in the outlet's local time; `edition` is the edition in which the
    piece first appears. `key`s are stable ids used by feeds, revisions and `copy_of`.
    """

    key: str
    outlet: str
    path: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime | None
    story: str
    author: str | None = None
    kind: str = "article"  # article, brief, wire-verbatim, wire-edited, missing, document
    section: str = "News"
    summary: str | None = None  # feed description and meta description; first paragraph if None
    caption: str | None = None  # photo caption inside the article: boilerplate, never truth
    tags: tuple[str, ...] = ()
    copy_of: str | None = None  # key of the wire original this page republishes
    edition: int = 0

    @property
    def is_article(self) -> bool:
        return self.kind not in ("missing", "document")


@dataclass(frozen=True)
class Revision:
    """A new text for an already-published piece, at the same URL, from `edition` on."""

    key: str
    edition: int
    paragraphs: tuple[str, ...]
    modified: datetime


@dataclass(frozen=True)
class TruthArticle:
    """What a perfect pipeline knows about one article page of the current edition."""

    url: str  # as listed in the feed (without tracking params)
    outlet: str
    title: str
    paragraphs: tuple[str, ...]  # the article body only: what a perfect extractor returns
    published_at: datetime | None  # aware UTC, what the page/feed says (None if nowhere)
    story: str  # event label; articles of one event share it
    copy_of: str | None  # url of the original when this page is a wire copy
    kind: str  # "article", "brief", "wire-verbatim", "wire-edited", "updated"
