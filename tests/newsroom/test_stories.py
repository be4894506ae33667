"""The curated stories as data files: what the loader accepts, and what the data must keep."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devkit.newsroom.curated import FILES, PIECES, REVISIONS, STORIES, load

KINDS = {"article", "brief", "wire-verbatim", "wire-edited", "missing", "document"}


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    shutil.copytree(STORIES, folder)
    return folder


def test_every_file_is_read_and_a_copy_loads_the_same(tmp_path: Path) -> None:
    assert sorted(path.stem for path in STORIES.glob("*.toml")) == sorted(FILES)
    assert load(_copy(tmp_path)) == (PIECES, REVISIONS)


def test_a_file_the_loader_does_not_know_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "weather.toml").write_text("[[pieces]]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="weather"):
        load(folder)


def test_a_key_used_twice_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    links = folder / "links.toml"
    links.write_text(links.read_text(encoding="utf-8") * 2, encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        load(folder)


def test_the_expected_results_refer_to_pieces_that_exist() -> None:
    by_key = {piece.key: piece for piece in PIECES}
    for piece in PIECES:
        assert piece.kind in KINDS, piece.key
        assert piece.is_article == bool(piece.paragraphs), piece.key
        if piece.copy_of is not None:
            original = by_key[piece.copy_of]
            assert piece.kind.startswith("wire") and original.story == piece.story, piece.key
            assert original.copy_of is None and original.kind in ("article", "brief")
        if piece.published is not None:
            assert piece.published.utcoffset() is not None, piece.key
    for revision in REVISIONS:
        assert revision.edition > by_key[revision.key].edition
        assert revision.paragraphs != by_key[revision.key].paragraphs
