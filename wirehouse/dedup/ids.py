"""Deterministic identifiers, so that loading the same thing twice produces the same keys."""

from __future__ import annotations

import hashlib


def article_id_for(url_key: str) -> str:
    """An article's id is derived from the normalised URL it was first seen at."""
    return hashlib.sha256(url_key.encode()).hexdigest()[:16]


def story_id_for(article_id: str) -> str:
    """A story is named after the article that started it (deterministic: re-runs agree)."""
    return hashlib.sha256(f"story:{article_id}".encode()).hexdigest()[:16]
