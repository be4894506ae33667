"""One spelling per language, from tags of every vintage and from hostile text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirehouse.languages import primary_language


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("en", "en"),
        ("EN-gb", "en"),
        ("en_US.UTF-8", "en"),  # a POSIX locale
        ("fr-FR;q=0.9", "fr"),  # an Accept-Language item
        ("fr,en", "fr"),  # a Content-Language list, any spacing
        ("de, en", "de"),
        ("it en", "it"),
        ("es\ten", "es"),
        ("sr@latin", "sr"),  # any other mark ends the subtag too
        ("en\u2010GB", "en"),
        ("en|fr", "en"),
        ("en1", None),  # a letter or digit does not
        ("zh-TW-Hant", "zh"),  # subtags out of order: still Chinese
        ("eng", "en"),  # ISO 639-2/T and /B
        ("ger", "de"),
        ("deu", "de"),
        ("fre", "fr"),
        ("chi", "zh"),
        ("iw", "he"),  # retired codes
        ("in", "id"),
        ("gsw", "gsw"),  # three letters with no two-letter code
        ("tl", "tl"),  # CLDR's "fil" is another code, not a spelling of this one
        ("sh", "sh"),  # CLDR's "sr-Latn" would call Croatian text Serbian
        ("und", None),  # names no one language
        ("mul", None),
        ("zxx", None),
        ("qaa", None),  # private use
        ("x-klingon", None),
        ("i-default", None),
        ("English", None),
        ("abcd", None),
        ("", None),
        ("  ", None),
        ("ＥＮ", None),  # full-width letters are no tag
    ],
)
def test_a_tag_gives_one_code_for_its_language(tag: str, language: str | None) -> None:
    assert primary_language(tag) == language


def test_a_huge_tag_is_read_by_its_first_subtag_alone() -> None:
    # thousands of subtags (a parser that recurses per subtag fails on these)
    assert primary_language("en-" + "-".join(["a", "bb"] * 50_000)) == "en"
    assert primary_language("x-" + "y" * 1_000_000) is None


@given(st.text(max_size=200))
def test_any_text_gives_a_lower_case_code_or_none(text: str) -> None:
    language = primary_language(text)
    assert language is None or (language.isascii() and language.isalpha() and language.islower())


def test_the_aliases_are_cldrs_as_langcodes_ships_them() -> None:
    """The table written in wirehouse/languages.py is langcodes' (CLDR's), where an alias of a
    two- or three-letter code is a two-letter code; every other code stays as written."""
    from langcodes.data_dicts import LANGUAGE_REPLACEMENTS

    for alias, code in LANGUAGE_REPLACEMENTS.items():
        if not (alias.isalpha() and len(alias) <= 3) or alias in {"und", "mul", "zxx", "mis"}:
            continue
        expected = code if len(code) == 2 and code.isalpha() else alias.lower()
        # an alias of an alias is followed to its end ("mol" is "mo", "mo" is "ro")
        for _ in range(3):
            further = LANGUAGE_REPLACEMENTS.get(expected, expected)
            expected = further if len(further) == 2 and further.isalpha() else expected
        assert primary_language(alias) == expected, alias
        assert primary_language(expected) == expected, alias  # read twice, the same
