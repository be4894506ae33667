"""Extraction stage: article pages (raw bytes) -> clean text, metadata and `Article` records.

Pure functions plus one process pool; no Prefect here (the flows wrap these in tasks).
"""

from __future__ import annotations

from wirehouse.extractors.article import article_from_feed, build_article
from wirehouse.extractors.batch import extract_batch
from wirehouse.extractors.dates import choose_published
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.extractors.page import extract_page
from wirehouse.extractors.pool import ExtractionPool

__all__ = [
    "ExtractionPool",
    "article_from_feed",
    "build_article",
    "choose_published",
    "content_hash",
    "extract_batch",
    "extract_page",
]
