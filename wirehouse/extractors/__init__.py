"""Extraction stage: article pages (raw bytes) -> clean text, metadata and `Article` records.

Pure functions plus one process pool; no Prefect here (the flows wrap these in tasks). The
package imports nothing itself: the flow process loads the pool and the feed-only articles,
and only the workers load trafilatura.
"""
