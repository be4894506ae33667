"""Full-text search over articles with DuckDB's fts extension (BM25 over title and text).

The extension comes from the pinned `duckdb-extension-fts` wheel and is loaded from its file, so
search works offline; when it cannot be loaded the caller gets one WarehouseError line, never a
silent empty answer. DuckDB's fts index is not incremental: `refresh_index` rebuilds it whole
(see bench/fts_rebuild.py for the cost) and records what it indexed in `fts_state`, so a reader
can tell a stale index from a fresh one without rebuilding.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.config.location import Warehouse, as_warehouse
from wirehouse.errors import WarehouseBusy, WarehouseError
from wirehouse.warehouse.connection import attach_lake, session, transaction
from wirehouse.warehouse.extensions import load_extension
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.sqltext import host_sql


def _fingerprint(table: str = "articles") -> str:
    """What identifies the indexed texts: count, newest update, xor of (id, text hash, title)."""
    return (
        "SELECT count(*), max(updated_at),"
        f" coalesce(bit_xor(hash(article_id, content_hash, title)), 0) FROM {table}"
    )


# the table macro for SQL users: `SELECT * FROM search_articles('storm surge') LIMIT 5`
_MACRO = """
CREATE OR REPLACE MACRO search_articles(q) AS TABLE
SELECT l.article_id, l.outlet, l.title, l.url, l.published_at, l.story_id, s.score
FROM (SELECT article_id, fts_main_articles.match_bm25(article_id, q) AS score FROM articles) s
JOIN latest_articles l USING (article_id)
WHERE s.score IS NOT NULL
ORDER BY s.score DESC, l.published_at DESC NULLS LAST
"""


class IndexState(StrEnum):
    MISSING = "missing"
    STALE = "stale"
    FRESH = "fresh"


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result, best first; `snippet` is the text around the first matching word."""

    article_id: str
    title: str | None
    url: str
    outlet: str | None
    published_at: datetime | None
    story_id: str | None
    score: float
    snippet: str


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load fts into this connection (each connection needs it to call match_bm25)."""
    load_extension(con, "fts")


def _indexed(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The fingerprint of the articles the index was built from; None when there is no index.
    Cheap: it reads the catalog and `fts_state`, not the articles."""
    built = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'fts_main_articles'"
    ).fetchone()
    if not built or not built[0]:
        return None
    return con.execute("SELECT articles, max_updated_at, fingerprint FROM fts_state").fetchone()


def index_state(con: duckdb.DuckDBPyConnection) -> IndexState:
    """Fresh when the index was built from exactly the articles (ids, texts, titles) stored now."""
    indexed = _indexed(con)
    if indexed is None:
        return IndexState.MISSING
    fresh = con.execute(_fingerprint()).fetchone() == indexed
    return IndexState.FRESH if fresh else IndexState.STALE


def refresh_index(con: duckdb.DuckDBPyConnection) -> float:
    """Rebuild the fts index and the `search_articles` macro; return the seconds it took.

    Call it on a read-write connection after a run has loaded its articles (one transaction:
    readers see the old index or the new one, never half of one).
    """
    load_fts(con)
    started = time.perf_counter()
    with transaction(con):
        con.execute(
            "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', overwrite=1)"
        )
        con.execute(_MACRO)
        seconds = time.perf_counter() - started
        con.execute("DELETE FROM fts_state")
        con.execute(f"INSERT INTO fts_state SELECT now(), *, {seconds} FROM ({_fingerprint()})")
    return seconds


# a run rebuilds the index when it grew this much since the last build, or the build is this
# old: at a million articles a rebuild takes seconds, and `wirehouse search` catches up anyway
REFRESH_GROWTH = 0.05
REFRESH_AGE = timedelta(hours=1)


def refresh_due(con: duckdb.DuckDBPyConnection, *, now: datetime) -> bool:
    """Whether a run that changed articles should rebuild the index now.

    Small warehouses rebuild after every such run (it takes well under a second); large ones
    when articles grew by `REFRESH_GROWTH` since the last build or it is `REFRESH_AGE` old.
    A search between two rebuilds finds the index stale and rebuilds it first.
    """
    state = con.execute("SELECT articles, built_at FROM fts_state").fetchone()
    if state is None or _indexed(con) is None:
        return True
    indexed, built_at = state
    row = con.execute("SELECT count(*) FROM articles").fetchone()
    stored = row[0] if row else 0
    return stored - indexed >= max(1, REFRESH_GROWTH * indexed) or now - built_at >= REFRESH_AGE


def index_home(where: Warehouse | str | Path) -> Warehouse:
    """Where the index lives: in the warehouse file, or for a DuckLake (which cannot store
    fts's tables and macros) in a local DuckDB copy of its articles, `search.duckdb`."""
    warehouse = as_warehouse(where)
    if not warehouse.is_lake:
        return warehouse
    copy = warehouse.local_dir / "search.duckdb"
    return Warehouse(str(copy), memory_limit=warehouse.memory_limit)


def ensure_fresh(where: Warehouse | str | Path, *, wait_s: float = 30.0) -> IndexState:
    """Rebuild the index in a short read-write session when it is missing or stale.

    Returns the state readers will see: STALE only when another process held the warehouse
    for longer than `wait_s` (the caller should say so); MISSING then means no index at all.
    Search `index_home(where)` afterwards.
    """
    warehouse = as_warehouse(where)
    if warehouse.is_lake:
        _refresh_lake_copy(warehouse, wait_s=wait_s)
        return IndexState.FRESH
    with session(warehouse, read_only=True, wait_s=wait_s) as con:
        state = index_state(con)
    if state is IndexState.FRESH:
        return state
    try:
        with session(warehouse, wait_s=wait_s) as con:
            if index_state(con) is not IndexState.FRESH:
                refresh_index(con)
    except WarehouseBusy:
        return state
    return IndexState.FRESH


def _refresh_lake_copy(warehouse: Warehouse, *, wait_s: float) -> None:
    """Mirror the lake's articles into the local search copy and index them, when they changed."""
    with session(index_home(warehouse), wait_s=wait_s) as con:
        migrate(con)
        attach_lake(con, warehouse, read_only=True, alias="source")
        # the copy is only ever written here, so an index built from the lake's articles as
        # they are now is fresh: no need to fingerprint the copy too
        if _indexed(con) == con.execute(_fingerprint("source.articles")).fetchone():
            return
        with transaction(con):
            con.execute("DELETE FROM articles")
            con.execute("INSERT INTO articles SELECT * FROM source.articles")
        con.execute("DETACH source")
        refresh_index(con)


# the --outlet value as a URL, so `host_sql` reads it as it reads a stored (normalised, so
# lower-case) URL: a bare host gets a scheme, and `WWW.` is lowered before it is dropped
_AS_URL = (
    "CASE WHEN trim($outlet) LIKE '%://%' THEN lower(trim($outlet))"
    " ELSE 'x://' || lower(trim($outlet)) END"
)


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    since: datetime | None = None,
    outlet: str | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Articles matching `query`, best BM25 score first, optionally since a time / one outlet.

    `outlet` matches the outlet name (site name) or the URL's host, case-insensitively; a
    host or address given is read by the same rule as the stored URLs (`www.`, a scheme, a
    path and surrounding spaces make no difference).
    """
    if not query.strip():
        raise WarehouseError("empty search query")
    load_fts(con)
    if index_state(con) is IndexState.MISSING:
        raise WarehouseError("no full-text index yet: run `wirehouse search` with write access")
    rows = con.execute(
        f"""
        SELECT l.article_id, l.title, l.url, l.outlet, l.published_at, l.story_id, s.score,
               a.text
        FROM (SELECT article_id, fts_main_articles.match_bm25(article_id, $q) AS score
              FROM articles) s
        JOIN latest_articles l USING (article_id)
        JOIN articles a USING (article_id)
        WHERE s.score IS NOT NULL
          AND ($since IS NULL OR coalesce(a.published_at, a.first_seen_at) >= $since)
          AND ($outlet IS NULL OR lower(l.outlet) = lower(trim($outlet))
               OR {host_sql("a.url")} = {host_sql(_AS_URL)})
        ORDER BY s.score DESC, l.published_at DESC NULLS LAST, l.article_id
        LIMIT $limit
        """,
        {"q": query, "since": since, "outlet": outlet, "limit": limit},
    ).fetchall()
    return [
        Hit(
            article_id=r[0],
            title=r[1],
            url=r[2],
            outlet=r[3],
            published_at=r[4],
            story_id=r[5],
            score=r[6],
            snippet=snippet(r[7], query) if r[7] is not None else PAGE_NOT_FETCHED,
        )
        for r in rows
    ]


# what a hit shows for an article stored from its feed entry whose page gave no text yet
PAGE_NOT_FETCHED = "(page not fetched yet)"


def snippet(text: str, query: str, *, width: int = 200) -> str:
    """About `width` characters of `text` around the first word that matches a query term.

    Terms match as word prefixes trimmed of a few letters, a rough stand-in for the index's
    stemmer ("pressures" finds "pressure"); with no match the text's start is shown.
    """
    flat = " ".join(text.split())
    stems = [t[: max(4, len(t) - 3)] for t in re.findall(r"\w+", query.lower())]
    first = None
    if stems:
        found = re.search(r"\b(" + "|".join(map(re.escape, stems)) + ")", flat, re.IGNORECASE)
        first = found.start() if found else None
    start = 0 if first is None else max(0, first - width // 3)
    if start:
        space = flat.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else 0
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
