"""Unicode normalisation that stays linear on text from outside.

CPython puts each run of combining marks in canonical order by insertion sort, so NFKC (and
NFKD) of a long run in reverse order is quadratic: 16,000 marks on one letter take 0.7 s, and
a 5 KB page of them could hold an extraction for seconds. No writing system stacks more than
a few marks on a letter (Vietnamese two, Hebrew or Tibetan a handful); "zalgo" text stacks
hundreds. A run longer than `MAX_MARKS` is cut to its first `MAX_MARKS` before normalising.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

import regex

MAX_MARKS = 16

# every character canonical ordering moves is a mark (\p{M}); so are a few it does not (the
# spacing marks of Indic scripts), which no text stacks either
_LONG_MARK_RUNS = regex.compile(rf"(\p{{M}}{{{MAX_MARKS}}})\p{{M}}+")


def normalized(form: Literal["NFC", "NFD", "NFKC", "NFKD"], text: str) -> str:
    """`unicodedata.normalize(form, text)`, with runs of combining marks cut to MAX_MARKS."""
    if text.isascii():  # the same in every form, and by far the most common case
        return text
    return unicodedata.normalize(form, _LONG_MARK_RUNS.sub(r"\1", text))
