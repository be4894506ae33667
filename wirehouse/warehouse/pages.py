"""The stored raw pages of articles, read back from the archive for extraction again
(`wirehouse reextract`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import duckdb

from wirehouse.errors import WarehouseError
from wirehouse.records import Known, Page
from wirehouse.warehouse import archive
from wirehouse.warehouse.arrow import key_table, registered
from wirehouse.warehouse.entries import ENTRY_COLUMNS, stored_entry

_LATEST_PAGES = f"""
    SELECT {ENTRY_COLUMNS}, p.url, r.raw_hash, r.warc_file, r.warc_offset, r.warc_length,
           p.content_type, p.fetched_at,
           -- the feed's text that stood in for a paywall's teaser stands in again
           CASE WHEN a.body_source = 'feed' THEN a.text END
    FROM articles a
    LEFT JOIN article_urls u ON u.article_id = a.article_id AND u.match_kind = 'new'
    JOIN (SELECT *, row_number() OVER (PARTITION BY article_id, url ORDER BY fetched_at DESC)
                 AS n
          FROM pages) p  -- the article's own page: copies' pages are kept under its id too
        ON p.article_id = a.article_id AND p.url = a.url AND p.n = 1
    JOIN raw_pages r ON r.raw_hash = p.raw_hash  -- one stored copy per payload
    WHERE a.article_id IN (SELECT article_id FROM _page_ids)
    QUALIFY row_number() OVER (PARTITION BY a.article_id ORDER BY u.seen_at, u.url) = 1
"""


def articles_with_pages(
    con: duckdb.DuckDBPyConnection, *, except_feed_text_of: Sequence[str] = ()
) -> list[str]:
    """The ids of the articles that have a stored page, in id order; an article of one of
    `except_feed_text_of` (feeds whose text is preferred) whose text is its feed's is left out."""
    with registered(con, _feed_text_feeds=key_table("feed_url", except_feed_text_of)):
        rows = con.execute(
            """
            SELECT DISTINCT p.article_id FROM pages p JOIN articles a USING (article_id)
            WHERE NOT (a.body_source = 'feed'
                       AND coalesce(a.feed_url IN (SELECT feed_url FROM _feed_text_feeds), false))
            ORDER BY p.article_id
            """
        ).fetchall()
    return [r[0] for r in rows]


def latest_pages(
    con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]
) -> tuple[list[tuple[Page, Known]], list[str]]:
    """Each article's latest stored page of its own URL, with its entry as stored, and the
    article it is a page of; and an error for each page the archive could not give back
    (a missing file, a damaged record), so one lost page never stops the others."""
    folder = archive.archive_dir(con)
    out, errors = [], []
    with registered(con, _page_ids=key_table("article_id", article_ids)):
        rows = con.execute(_LATEST_PAGES).fetchall()
    for row in rows:
        *stored, page_url, digest, file, offset, length, content_type, fetched_at, feed_text = row
        entry, known = stored_entry(stored)
        try:
            html = archive.read(folder, archive.Location(file, offset, length), digest)
        except WarehouseError as exc:
            errors.append(f"{page_url}: {exc}")
            continue
        entry = replace(entry, content=feed_text)
        out.append((Page(entry, page_url, html, content_type, fetched_at), known))
    return out, errors
