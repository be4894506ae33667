"""A conservative post-filter for boilerplate that trafilatura leaves glued to article text.

trafilatura with ``favor_precision`` removes most page furniture, but real pages still leak a
few kinds of lines into the text (seen on real news pages). Each rule below removes
one such kind, and only lines that match it as a whole, in the position where it occurs: a
rule must never take a real paragraph with it, so when in doubt a line is kept.

=====================  =======================================================  ============
rule                   matches                                                  where
=====================  =======================================================  ============
``title``              the headline repeated at the top                         first 3 lines
``ticker``             market rows: a name or two and >= 2 numbers, one a %      leading or
                       ("Dow17 56.23 41.89% -2.635%")                            trailing run
``comment_prompt``     "Add new comment", "Leave a Reply", "Read our comment     any line
                       policy ...", "Log in or register to post comments"
``licence``            "All content by X is licensed under a Creative Commons    end of any
                       ... License." with editor initials before it ("NA/PA"),   line (cut)
                       "Copyright © ... All rights reserved." lines              any line
``caption``            photo captions ending in a credit ("Name. [Photo/         any line
                       Agencies]", "... (Photo: Reuters)"); "Photo: X" lines     <= 200 chars
``promo``              "Read more: <headline>", "Sign up for our newsletter ..", any line
                       "Share this:", cookie notices                             <= 400 chars
``tag_list``           a trailing line of tags: "Tags: a, b" or mostly made      trailing
                       of the page's own tag/keyword names, no final period;     lines
                       or, undeclared, >= 4 words all from the text above, no
                       function word ("the", "by") and no punctuation at all
=====================  =======================================================  ============
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence

from wirehouse.escape import strip_controls
from wirehouse.extractors.fingerprint import folded_words, normalise_text

logger = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*$""")

# ------------------------------------------------------------------------------- ticker
_BULLET = re.compile(r"^[\s•·*▪►◦-]+")
_NUMBER = re.compile(r"^[+\-−–]?\(?[\d][\d.,]*\)?%?$")


def is_ticker_row(line: str) -> bool:
    """A market-data row: few words, at least two numbers, at least one percentage."""
    tokens = [t for t in _BULLET.sub("", line).split() if t != "|"]
    if not 3 <= len(tokens) <= 40 or len(line) > 300:
        return False
    numbers = [t for t in tokens if _NUMBER.match(t)]
    words = len(tokens) - len(numbers)
    percents = sum(1 for t in numbers if t.endswith("%"))
    return len(numbers) >= 2 and percents >= 1 and len(numbers) >= 2 * words


# ------------------------------------------------------------------------------- whole lines
_COMMENT_PROMPT = re.compile(
    r"""^(?:add\ (?:a\ )?(?:new\ )?comment|leave\ a\ (?:comment|reply)|post\ a\ comment
        |write\ a\ comment|comments?|show\ comments|view\ comments|\d+\ comments?
        |join\ the\ (?:discussion|conversation)|cancel\ reply|comment\ policy
        |read\ our\ comment\ policy\b.*|log\ in\ or\ register\ to\ post\ comments
        |you\ must\ be\ logged\ in\ to\ post\ a\ comment|be\ the\ first\ to\ comment)
        [.!:]?$""",
    re.IGNORECASE | re.VERBOSE,
)
_COPYRIGHT_LINE = re.compile(
    r"^(?:©|\(c\)|copyright\b).{0,240}\ball rights reserved\b.{0,200}$", re.IGNORECASE
)
# cut from the end of a line: a sentence of its own (line start or after a sentence end),
# optional editor initials ("NA/PA"), then the licence statement ending in "License."
_LICENCE_TAIL = re.compile(
    r"""(?:^|(?<=[.!?"”’)])\s+)(?:[A-Z]{2,4}(?:/[A-Z]{2,4})+\s+)?
        (?:All|ALL|This|THIS)\ (?i:(?:content|contents|material|articles?|work|article|story)
        \ (?:(?:by|of|on|from|at)\ .{1,80}?\ )?(?:is|are)\ (?:licen[sc]ed|available)\ under
        \ (?:a|the)\ creative\ commons\b(?:[^.]|\.(?=\d)){0,100}\blicen[sc]e\.?)\s*$""",
    re.VERBOSE,
)
_CAPTION_CREDIT = re.compile(
    r"""[\[(]\s*(?:(?:file\ |stock\ )?(?:photo|photograph|image|picture|pic)s?
        (?:\s*(?:/|:|by\b|credit\b)\s*[^\])]{1,60})?
        |[^\])]{1,40}\b(?:file\ |stock\ )?(?:photo|photograph|image|picture)s?)\s*[\])]\.?$""",
    re.IGNORECASE | re.VERBOSE,
)
_CAPTION_PREFIX = re.compile(
    r"^(?:photo|photograph|image|picture)s?\s*(?:credit)?\s*:\s*\S.{0,80}$", re.IGNORECASE
)
_PROMO = re.compile(
    r"""^(?:read\ more|read\ also|also\ read|related|see\ also|more\ on\ this(?:\ story)?
        |recommended|watch|listen)\s*[:|»>–-]\s*\S.{2,160}$""",
    re.IGNORECASE | re.VERBOSE,
)
_NEWSLETTER = re.compile(
    r"^(?:sign up|subscribe)\b.{0,150}\b(?:newsletters?|briefing|inbox|e-?mails?)\b.{0,120}$",
    re.IGNORECASE,
)
_SHARE = re.compile(
    r"^share(?:\ this)?(?:\ (?:article|story|post|page|update))?(?:\ on\ \w+)?\s*:?$",
    re.IGNORECASE | re.VERBOSE,
)
_COOKIE = re.compile(
    r"""^(?:we(?:\ and\ our\ [\w\s]{0,30}partners)?\ use|this\ (?:web)?site\ uses|[\w.\s]{1,40}
        \ uses|by\ (?:continuing|using|clicking))\b.{0,300}\bcookies?\b.{0,300}$""",
    re.IGNORECASE | re.VERBOSE,
)
_COOKIE_CONTEXT = re.compile(r"\b(?:accept|consent|agree|privacy|settings|preferences|partners)")
_TAG_SPLIT = re.compile(r"[,;|]")
_TAG_PREFIX = re.compile(
    r"^(?:tags?|tagged(?:\ with)?|topics?|keywords|related\ topics|filed\ under)\s*:?\s+\S",
    re.IGNORECASE | re.VERBOSE,
)


def _is_caption(line: str) -> bool:
    if len(line) > 200:
        return False
    return bool(_CAPTION_CREDIT.search(line) or _CAPTION_PREFIX.match(line))


def _is_promo(line: str) -> bool:
    if len(line) > 400:
        return False
    if _PROMO.match(line) and not _SENTENCE_END.search(line):
        return True
    if _NEWSLETTER.match(line) or _SHARE.match(line):
        return True
    return bool(_COOKIE.match(line) and _COOKIE_CONTEXT.search(line.lower()))


def whole_line_rule(line: str) -> str | None:
    """The name of the rule that removes `line` wherever it occurs, or None to keep it."""
    if _COMMENT_PROMPT.match(line):
        return "comment_prompt"
    if len(line) <= 440 and _COPYRIGHT_LINE.match(line):
        return "licence"
    if _is_caption(line):
        return "caption"
    if _is_promo(line):
        return "promo"
    return None


def strip_licence_tail(line: str) -> str:
    """`line` without a Creative Commons licence sentence glued to its end."""
    return _LICENCE_TAIL.sub("", line).rstrip()


def split_tags(tags: Sequence[str]) -> list[str]:
    """Tags as single names: "a, b; c" (a keywords meta tag kept whole) becomes a, b, c."""
    return [part.strip() for tag in tags for part in _TAG_SPLIT.split(tag) if part.strip()]


def unique_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Tags as single names without controls, each once (the first spelling, case aside)."""
    seen: set[str] = set()
    out: list[str] = []
    for tag in split_tags(tags):
        tag = strip_controls(tag).strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return tuple(out)


def is_tag_line(line: str, tags: Sequence[str]) -> bool:
    """A line listing tags: prefixed ("Tags: ..."), or mostly the page's own tag names."""
    if len(line) > 300 or _SENTENCE_END.search(line):
        return False
    if _TAG_PREFIX.match(line):
        return True
    words = folded_words(line)
    if not words:
        return False
    by_first = _tag_names(tuple(tags))
    # the names that could start at one of the line's words, longest first
    names = sorted(name for word in set(words) for name in by_first.get(word, ()))
    covered = [False] * len(words)
    hits = 0
    for _, parts in names:
        for i in range(len(words) - len(parts) + 1):
            if words[i : i + len(parts)] == parts and not any(covered[i : i + len(parts)]):
                covered[i : i + len(parts)] = [True] * len(parts)
                hits += 1
                break
    return hits >= 2 and sum(covered) >= 0.6 * len(words)


@functools.lru_cache(maxsize=8)
def _tag_names(tags: tuple[str, ...]) -> dict[str, list[tuple[tuple[int, str], list[str]]]]:
    """The page's tag names (of 3 characters or more) as words, by their first word, each with
    its rank (longest first): a page's trailing lines are each checked against the same tags,
    and a keywords tag can list thousands."""
    names = {normalise_text(t) for t in split_tags(tags) if len(t) >= 3}
    by_first: dict[str, list[tuple[tuple[int, str], list[str]]]] = {}
    for name in names:
        parts = name.split()
        if parts:
            by_first.setdefault(parts[0], []).append(((-len(name), name), parts))
    return by_first


# words that a sentence (English) can hardly do without, and a list of tags never contains
# in lower case
_FUNCTION_WORDS = frozenset(
    {
        "the", "a", "an", "of", "to", "in", "on", "for", "by", "and", "or", "with", "at",
        "from", "as", "is", "are", "was", "were", "be", "been", "said", "says", "has", "have",
        "had", "will", "would", "that", "this", "it", "its", "but", "not", "who", "which",
    }
)  # fmt: skip
_LIST_PUNCTUATION = re.compile(r"""[,;:"“”'‘’()]""")


def is_untagged_tag_list(line: str, before: str) -> bool:
    """A trailing run of keywords the page did not declare as tags.

    Only when every sign agrees: no sentence end and no list punctuation, at least four words,
    not one lower-case function word ("the", "by", "said"...), and nearly all of its words
    already used in the text above it (tags are picked from the article's own words).
    """
    if len(line) > 200 or _SENTENCE_END.search(line) or _LIST_PUNCTUATION.search(line):
        return False
    words = line.split()
    if len(words) < 4 or any(w in _FUNCTION_WORDS for w in words):
        return False
    seen = set(folded_words(before))
    folded = folded_words(line)
    return sum(1 for w in folded if w in seen) >= 0.9 * len(folded)


def clean_lines(
    lines: Sequence[str], *, title: str | None = None, tags: Sequence[str] = ()
) -> tuple[list[str], list[tuple[str, str]]]:
    """Apply the rules; returns the kept lines and (rule, line) for every removed one."""
    kept = [line.strip() for line in lines if line.strip()]
    dropped: list[tuple[str, str]] = []

    def drop(rule: str, index: int) -> None:
        dropped.append((rule, kept.pop(index)))

    # the headline repeated at the top (trafilatura keeps an <h1> inside the article block)
    if title:
        heading = normalise_text(title)
        for index, line in enumerate(kept[:3]):
            if normalise_text(line) == heading:
                drop("title", index)
                break
    # ticker rows glued on top or at the bottom
    while kept and is_ticker_row(kept[0]):
        drop("ticker", 0)
    while kept and is_ticker_row(kept[-1]):
        drop("ticker", len(kept) - 1)
    # licence sentences glued to a line's end; then whole-line rules
    index = 0
    while index < len(kept):
        line = kept[index]
        stripped = strip_licence_tail(line)
        if stripped != line:
            dropped.append(("licence", line[len(stripped) :].strip()))
            if not stripped:
                kept.pop(index)
                continue
            kept[index] = line = stripped
        rule = whole_line_rule(line)
        if rule is not None:
            drop(rule, index)
            continue
        index += 1
    # trailing tag lists
    while kept and is_tag_line(kept[-1], tags):
        drop("tag_list", len(kept) - 1)
    if len(kept) > 1 and is_untagged_tag_list(kept[-1], "\n".join(kept[:-1])):
        drop("tag_list", len(kept) - 1)
    return kept, dropped


def clean_text(text: str, *, title: str | None = None, tags: Sequence[str] = ()) -> str:
    """`text` with boilerplate lines removed (see the module docstring); lines joined by \\n."""
    kept, dropped = clean_lines(text.split("\n"), title=title, tags=tags)
    for rule, line in dropped:
        logger.debug("post-filter %s dropped %r", rule, line[:120])
    return "\n".join(kept)
