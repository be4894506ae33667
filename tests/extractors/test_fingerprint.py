"""content_hash: same words -> same hash, whatever the spacing, case or punctuation."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from wirehouse.extractors.fingerprint import content_hash, normalise_text

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéßø0123456789", min_size=1, max_size=12)
WORDS = st.lists(WORD, min_size=1, max_size=40)
SPACE = st.text(alphabet=" \t\n\r\u00a0\u2003", min_size=1, max_size=4)


@given(WORDS, st.data())
def test_whitespace_does_not_change_the_hash(words: list[str], data: st.DataObject) -> None:
    spaced = "".join(word + data.draw(SPACE) for word in words)
    assert content_hash(spaced) == content_hash(" ".join(words))


@given(WORDS, st.data())
def test_case_does_not_change_the_hash(words: list[str], data: st.DataObject) -> None:
    flips = data.draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
    mixed = " ".join(w.upper() if flip else w for w, flip in zip(words, flips, strict=True))
    assert content_hash(mixed) == content_hash(" ".join(words))


@given(WORDS, st.data())
def test_punctuation_does_not_change_the_hash(words: list[str], data: st.DataObject) -> None:
    marks = st.sampled_from([". ", ", ", " — ", "! ", "? ", ": ", " “", "” ", " (", ") ", "\n"])
    text = "".join(word + data.draw(marks) for word in words)
    assert content_hash(text) == content_hash(" ".join(words))


@given(WORDS, WORDS)
def test_different_word_sequences_have_different_hashes(a: list[str], b: list[str]) -> None:
    if normalise_text(" ".join(a)) != normalise_text(" ".join(b)):
        assert content_hash(" ".join(a)) != content_hash(" ".join(b))


@given(WORDS)
def test_reordering_words_changes_the_hash(words: list[str]) -> None:
    reordered = list(reversed(words))
    if [normalise_text(w) for w in reordered] != [normalise_text(w) for w in words]:
        assert content_hash(" ".join(words)) != content_hash(" ".join(reordered))


def test_hash_is_32_hex_characters_and_stable() -> None:
    digest = content_hash("Ferry link suspended")
    assert re.fullmatch(r"[0-9a-f]{32}", digest)
    assert digest == content_hash("  FERRY link — suspended.  ")


def test_compatibility_forms_are_folded() -> None:
    # full-width letters, ligatures and the German sharp s fold to the same words (NFKC, casefold)
    assert content_hash("Ｃａｆé ofﬁce STRASSE") == content_hash("café office straße")


def test_one_word_changed_changes_the_hash() -> None:
    assert content_hash("the council voted 5-4") != content_hash("the council voted 4-5")
