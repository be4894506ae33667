"""NFKC that stays linear: runs of combining marks are cut before normalising, and text of
every real script normalises as `unicodedata` does."""

from __future__ import annotations

import unicodedata

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from wirehouse.folding import MAX_MARKS, normalized

# marks of many combining classes, in reverse canonical order (the costly order to sort)
MARKS = sorted(
    (
        ch
        for ch in {chr(c) for c in range(0x300, 0x370)} | {"\u0591", "\u05b0", "\u0f71", "\u20d0"}
        if unicodedata.combining(ch)
    ),
    key=lambda ch: (-unicodedata.combining(ch), ch),
)


@pytest.mark.parametrize(
    "text",
    [
        "Tiếng Việt có dấu: người, được, những",  # two marks on a letter, precomposed
        "Tie\u0302\u0301ng Vie\u0323\u0302t",  # the same decomposed, out of order
        "בְּרֵאשִׁית בָּרָא",  # Hebrew points
        "བོད་སྐད་ཀྱི་ཡི་གེ \u0f73\u0f73",  # Tibetan, with vowel signs that decompose into marks
        "ｆｕｌｌ－ｗｉｄｔｈ and ﬁ ligature … ½",
        "plain ASCII stays as it is",
    ],
)
def test_real_text_normalises_as_unicodedata_does(text: str) -> None:
    assert normalized("NFKC", text) == unicodedata.normalize("NFKC", text)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_text_without_long_runs_of_marks_normalises_as_unicodedata_does(text: str) -> None:
    if not regex.search(rf"\p{{M}}{{{MAX_MARKS + 1}}}", text):
        assert normalized("NFKC", text) == unicodedata.normalize("NFKC", text)


def test_only_runs_longer_than_the_cap_are_cut() -> None:
    mark = "\u0301"
    assert normalized("NFKC", "e" + mark * MAX_MARKS) == unicodedata.normalize(
        "NFKC", "e" + mark * MAX_MARKS
    )
    assert normalized("NFKC", "e" + mark * (MAX_MARKS + 5)) == unicodedata.normalize(
        "NFKC", "e" + mark * MAX_MARKS
    )


@pytest.mark.parametrize("form", ["NFKC", "NFKD"])
def test_every_form_cuts_the_run(form) -> None:
    stacked = "".join(MARKS) * 700
    folded = normalized(form, f"a-{stacked}")
    assert len(folded) <= 2 + 2 * MAX_MARKS


@pytest.mark.parametrize("decomposing", [False, True], ids=["marks", "tibetan-vowel-signs"])
def test_a_run_of_tens_of_thousands_of_marks_is_cut(decomposing: bool) -> None:
    stacked = "\u0f73" * 40_000 if decomposing else "".join(MARKS) * 700
    folded = normalized(
        "NFKC", f"Zalgo -{stacked} says hello"
    )  # on a hyphen, with which no mark composes
    assert folded.startswith("Zalgo -") and folded.endswith(" says hello")
    marks = folded.removeprefix("Zalgo -").removesuffix(" says hello")
    assert 0 < len(marks) <= 2 * MAX_MARKS
    assert all(unicodedata.combining(ch) for ch in marks)
