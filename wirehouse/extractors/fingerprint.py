"""A fingerprint of an article's words, so the same text re-served with other markup matches.

Two texts share a hash when they differ only in Unicode compatibility forms (NFKC), case,
whitespace or punctuation: the same article re-published with curly instead of straight
quotes, another paragraph break or a trailing space is the same article (exact dedup).
"""

from __future__ import annotations

import hashlib
import re

from wirehouse.folding import normalized

_WORD = re.compile(r"[^\W_]+")


def folded_words(text: str) -> list[str]:
    """The words of `text`, NFKC-normalised and case-folded."""
    return _WORD.findall(normalized("NFKC", text).casefold())


def normalise_text(text: str) -> str:
    """The words of `text`, NFKC-normalised and case-folded, joined by single spaces."""
    return " ".join(folded_words(text))


def content_hash(text: str) -> str:
    """sha256 of the normalised words, as 32 hex characters (128 bits: no accidental clash)."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:32]
