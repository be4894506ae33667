"""Remove document type declarations from a feed before feedparser sees it.

Why: feedparser 6 removes `<!ENTITY` declarations only when they start a line, so a DTD written
on one line reaches expat intact. Expat (>= 2.4) stops a billion-laughs expansion only once the
output exceeds 100x the input read so far; padding the document with a few MB of comment raises
that ceiling to gigabytes (measured: a 4 MB padded document took 44 s and 2.3 GB of memory).
feedparser also re-inserts "safe" literal entities and expands them in its fallback (loose)
parser, which has no limit at all. Real feeds need neither a DTD nor custom entities (the
HTML named entities some feeds use are not declared anyway), so every DOCTYPE and ENTITY
declaration before the root element is cut out.

Input is the UTF-8 document returned by `feedparser.encodings.convert_to_utf8`, so the byte
scanning below sees every encoding the same way.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_DECL_START = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_WHITESPACE = re.compile(rb"[ \t\r\n]*")
# feedparser's own head/body split (sanitizer.replace_doctype)
_FIRST_TAG = re.compile(rb"<\w")
# Tokens of a declaration. Quoted literals, comments and PIs are opaque; outside the internal
# subset `>` ends the declaration, inside it only `]` + `>` does (XML allows no nesting there).
# Comments and PIs are closed with bytes.find: a lazy regex would rescan to the end for every
# unterminated "<!--" and go quadratic.
_OUTSIDE_SUBSET = re.compile(rb"\"[^\"]*\"|'[^']*'|\[|>")
_INSIDE_SUBSET = re.compile(rb"\"[^\"]*\"|'[^']*'|<!--|<\?|\][ \t\r\n]*>")
_MAX_PASSES = 8


def strip_dtd(data: bytes) -> bytes | None:
    """`data` without DOCTYPE/ENTITY declarations before the root; None if it keeps making them.

    Removing one declaration can splice its neighbours into a new one, so the cut is repeated
    until nothing is left; a document still declaring after a few passes is hostile and refused.
    """
    for _ in range(_MAX_PASSES):
        limit = _region_end(data)
        match = _DECL_START.search(data, 0, limit)
        if match is None:
            return data
        pieces: list[bytes] = []
        position = 0
        while match is not None:
            subset = match.group(0).lower() == b"<!doctype"
            end = _declaration_end(data, match.end(), subset=subset)
            pieces.append(data[position : match.start()])
            position = end
            match = _DECL_START.search(data, end, limit) if end < limit else None
        pieces.append(data[position:])
        data = b"".join(pieces)
        logger.debug("removed document type declarations from a feed")
    if _DECL_START.search(data, 0, _region_end(data)) is None:
        return data
    return None


def _region_end(data: bytes) -> int:
    """Where declarations stop mattering: past both expat's prolog and feedparser's head."""
    first_tag = _FIRST_TAG.search(data)
    head_end = first_tag.start() + 1 if first_tag else 0
    return max(head_end, _prolog_end(data))


def _prolog_end(data: bytes) -> int:
    """End of the XML prolog (declaration, comments, PIs, DOCTYPE, whitespace) as expat reads it."""
    size = len(data)
    i = 0
    while i < size:
        i = _WHITESPACE.match(data, i).end()  # type: ignore[union-attr]
        if data.startswith(b"<!--", i):
            end = data.find(b"-->", i + 4)
            if end < 0:
                return size
            i = end + 3
        elif data.startswith(b"<?", i):
            end = data.find(b"?>", i + 2)
            if end < 0:
                return size
            i = end + 2
        elif data[i : i + 9].lower() == b"<!doctype":
            i = _declaration_end(data, i + 9, subset=True)
        else:
            return i
    return size


def _declaration_end(data: bytes, start: int, *, subset: bool) -> int:
    """Index just past the `>` closing a declaration (past its `[...]` subset if allowed)."""
    position = start
    in_subset = False
    while True:
        pattern = _INSIDE_SUBSET if in_subset else _OUTSIDE_SUBSET
        token = pattern.search(data, position)
        if token is None:
            return len(data)
        text = token.group(0)
        position = token.end()
        if text in (b"<!--", b"<?"):
            close = data.find(b"-->" if text == b"<!--" else b"?>", position)
            if close < 0:
                return len(data)
            position = close + (3 if text == b"<!--" else 2)
        elif text == b"[":
            in_subset = subset
        elif text == b">" or text.startswith(b"]"):
            return position
