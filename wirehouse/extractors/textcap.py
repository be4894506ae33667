"""The size cap on stored text: cut at a paragraph, else a sentence, else a space.

A page can hold megabytes of "text" (a dump, a hostile page of one endless token), and every
later stage (hashing, shingling, the search index, the warehouse) pays for its size. Pure and
linear: `str.split` and `str.rfind`, no regex that could backtrack.
"""

from __future__ import annotations

from dataclasses import dataclass

from wirehouse.config.settings import ExtractSettings

_DEFAULTS = ExtractSettings(workers=1)
DEFAULT_MAX_CHARS = _DEFAULTS.max_text_chars
DEFAULT_MAX_WORD_CHARS = _DEFAULTS.max_word_chars
_SENTENCE_ENDS = (". ", "! ", "? ", ".\n", "!\n", "?\n")


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
    `max_word_chars` cut to that length; `truncated` says whether anything was cut.

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
    """Each line's space-separated tokens, the long ones cut; spacing inside lines is kept."""
    lines = text.split("\n")
    changed = False
    for i, line in enumerate(lines):
        if len(line) <= limit:
            continue
        tokens = line.split(" ")
        if any(len(t) > limit for t in tokens):
            lines[i] = " ".join(t[:limit] for t in tokens)
            changed = True
    return "\n".join(lines) if changed else text
