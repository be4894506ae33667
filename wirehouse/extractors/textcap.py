"""The size cap on stored text: cut at a paragraph, else a sentence, else a space.

A page can hold megabytes of "text" (a dump, a hostile page of one endless token), and every
later stage (hashing, shingling, the search index, the warehouse) pays for its size. Pure and
linear: `str.split`, `str.rfind` and one regex anchored at the start of a run of letters.
Scripts written without spaces (Chinese, Japanese) are cut at their own full stops, and a
paragraph of them, one space-free token, is not a "long word" while its clauses are short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from wirehouse.config.settings import ExtractSettings

_DEFAULTS = ExtractSettings(workers=1)
DEFAULT_MAX_CHARS = _DEFAULTS.max_text_chars
DEFAULT_MAX_WORD_CHARS = _DEFAULTS.max_word_chars
# what ends a sentence, in every script that has its own stops: the Latin ones and the ellipsis,
# Devanagari's danda and double danda, the Arabic question mark and the Urdu full stop, the
# Armenian, Ethiopic, Burmese and Tibetan full stops; a space or line break follows them
SENTENCE_STOPS = ".!?…।॥؟۔։።။།"
# the full stops of Chinese and Japanese, which no space follows (full- and half-width)
CJK_STOPS = "。！？｡．"
# where the length cut may fall after a sentence
_SENTENCE_ENDS = (*(f"{end}{space}" for end in SENTENCE_STOPS for space in " \n"), *CJK_STOPS)


@dataclass(frozen=True, slots=True)
class Capped:
    text: str
    truncated: bool


def cap_text(
    text: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_word_chars: int = DEFAULT_MAX_WORD_CHARS,
) -> Capped:
    """`text` cut to `max_chars`, with every run of non-space characters longer than
    `max_word_chars` that holds a run of letters and digits that long cut to that length;
    `truncated` says whether anything was cut.

    The length cut keeps whole paragraphs when one ends in the second half of the allowance,
    else whole sentences, else whole words, else cuts mid-token.
    """
    truncated = False
    if len(text) > max_chars:
        text = _cut(text, max_chars)
        truncated = True
    if len(text) > max_word_chars:
        shortened = _cut_long_words(text, max_word_chars)
        if len(shortened) != len(text):
            text, truncated = shortened, True
    return Capped(text, truncated)


def _cut(text: str, limit: int) -> str:
    head = text[:limit]
    floor = limit // 2
    cut = head.rfind("\n")
    if cut >= floor:
        return head[:cut].rstrip()
    cut = max(head.rfind(end) for end in _SENTENCE_ENDS)
    if cut >= floor:
        return head[: cut + 1]
    cut = max(head.rfind(" "), head.rfind("\t"))
    if cut >= floor:
        return head[:cut].rstrip()
    return head


def _cut_long_words(text: str, limit: int) -> str:
    """Each line's space-separated tokens, the long ones cut; spacing inside lines is kept.

    A long token is cut only when it holds a run of letters and digits over `limit`: a CJK
    paragraph is one token, but its clauses between commas and full stops are short."""
    long_run = _long_run(limit)
    lines = text.split("\n")
    changed = False
    for i, line in enumerate(lines):
        if len(line) <= limit or not long_run.search(line):
            continue
        tokens = line.split(" ")
        lines[i] = " ".join(
            t[:limit] if len(t) > limit and long_run.search(t) else t for t in tokens
        )
        changed = True
    return "\n".join(lines) if changed else text


@lru_cache(maxsize=8)
def _long_run(limit: int) -> re.Pattern[str]:
    """More than `limit` letters and digits in a row; tried only where such a run starts, so
    a search is linear however many shorter runs the text holds."""
    return re.compile(rf"(?<![^\W_])[^\W_]{{{limit + 1}}}")
