"""The curated newsroom's content, read from the TOML files in `stories/`.

Each file holds the pieces of one group of related events and the revisions published later;
`story`, `kind` and `copy_of` are the expected results an ingest must reproduce.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from devkit.newsroom.model import Piece, Revision

STORIES = Path(__file__).with_name("stories")
# the order pieces are listed in (and so each outlet's most-read list)
FILES = ("harbour", "rates", "coast", "sport", "culture", "links")


def load(folder: Path = STORIES) -> tuple[tuple[Piece, ...], tuple[Revision, ...]]:
    """Every piece and revision in `folder`; a file not in FILES is an error, not ignored."""
    unlisted = {path.stem for path in folder.glob("*.toml")} - set(FILES)
    if unlisted:
        raise ValueError(f"story files not in curated.FILES: {sorted(unlisted)}")
    pieces: list[Piece] = []
    revisions: list[Revision] = []
    for name in FILES:
        data = tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
        pieces += [_piece(item) for item in data.get("pieces", [])]
        revisions += [_revision(item) for item in data.get("revisions", [])]
    keys = [piece.key for piece in pieces]
    if len(set(keys)) != len(keys):
        raise ValueError("a piece key is used twice")
    return tuple(pieces), tuple(revisions)


def _piece(item: dict[str, Any]) -> Piece:
    return Piece(
        **{
            "published": None,
            **item,
            "paragraphs": tuple(item["paragraphs"]),
            "tags": tuple(item.get("tags", ())),
        }
    )


def _revision(item: dict[str, Any]) -> Revision:
    return Revision(**{**item, "paragraphs": tuple(item["paragraphs"])})


PIECES, REVISIONS = load()
BY_KEY: dict[str, Piece] = {piece.key: piece for piece in PIECES}
