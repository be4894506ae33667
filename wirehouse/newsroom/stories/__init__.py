"""Everything the demo newsroom publishes, as data: one module per group of related events."""

from __future__ import annotations

from wirehouse.newsroom.model import Piece, Revision
from wirehouse.newsroom.stories import coast, culture, harbour, links, rates, sport

PIECES: tuple[Piece, ...] = (
    *harbour.PIECES,
    *rates.PIECES,
    *coast.PIECES,
    *sport.PIECES,
    *culture.PIECES,
    *links.PIECES,
)
REVISIONS: tuple[Revision, ...] = (*harbour.REVISIONS, *coast.REVISIONS)
BY_KEY: dict[str, Piece] = {piece.key: piece for piece in PIECES}
