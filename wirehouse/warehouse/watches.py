"""Story watches in the warehouse: which stories a run touched, which match each watch, and the
`watch_hits` that keep a story from being announced twice to one watch.

Queries are read as `wirehouse search` reads them (DuckDB's fts: title and text, lower-cased,
stemmed, English stop words dropped), except that an article matches only when it has every
word of the query: search ranks any-word matches, an alert must not fire on one shared word.
They run over the touched stories' articles only, in an index built in memory for the
evaluation: the warehouse's own index may be stale or, on a DuckLake, elsewhere, and this costs
what the run changed, not what the warehouse holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from wirehouse.config.settings import WatchSettings
from wirehouse.languages import primary_language
from wirehouse.warehouse.arrow import TAGS, TS, insert_new, key_table, registered, table
from wirehouse.warehouse.connection import write_atomically
from wirehouse.warehouse.extensions import load_extension
from wirehouse.warehouse.sqltext import host_sql
from wirehouse.watches import MAX_LINKS, ArticleRef, StoryState, WatchHit, decide_hits

_TOUCHED = """
    SELECT DISTINCT a.story_id
    FROM article_urls u JOIN articles a USING (article_id)
    WHERE u.run_id = ? AND a.story_id IS NOT NULL
"""

# every article of the candidate stories, with what a watch filters on, all lower-case
_DOCS = f"""
    SELECT a.article_id, a.story_id,
           coalesce(a.title, '') AS title, coalesce(a.text, '') AS text,
           lower(coalesce(trim(a.sitename), '')) AS sitename,
           {host_sql("a.url")} AS host,
           a.language,
           list_transform(list_concat(coalesce(a.tags, []), coalesce(f.tags, [])),
                          t -> lower(trim(t))) AS tags
    FROM articles a LEFT JOIN feeds f USING (feed_url)
    WHERE a.story_id IN (SELECT story_id FROM _watch_ids)
"""

# fts's conjunctive mode wants as many matching terms as the query has tokens, stop words and
# repeats included: the query is reduced to its distinct non-stop words with fts's own tokenizer
_TERMS = """
    SELECT DISTINCT t FROM (SELECT unnest(fts_main_docs.tokenize($q)) AS t)
    WHERE t <> '' AND t NOT IN (SELECT sw FROM fts_main_docs.stopwords)
    ORDER BY t
"""

_MATCH = """
    SELECT DISTINCT story_id
    FROM (SELECT *, fts_main_docs.match_bm25(article_id, $q, conjunctive := 1) AS score
          FROM docs)
    WHERE score IS NOT NULL
      AND (len($outlets) = 0 OR list_contains($outlets, sitename) OR list_contains($outlets, host))
      AND (len($tags) = 0 OR list_has_any($tags, tags))
      AND (len($languages) = 0 OR list_contains($languages, language))
"""

_STORIES = """
    SELECT story_id, title, outlets, articles, first_seen, last_seen
    FROM stories WHERE story_id IN (SELECT story_id FROM _watch_ids)
"""

_MEMBERS = f"""
    SELECT story_id, title, url,
           coalesce(nullif(trim(sitename), ''), {host_sql("url")}),
           published_at
    FROM articles WHERE story_id IN (SELECT story_id FROM _watch_ids)
    ORDER BY story_id, coalesce(published_at, first_seen_at), article_id
"""

# every URL the stories were seen at, copies at other outlets included (named by their feed)
_LINKS = f"""
    SELECT a.story_id, a.title, u.url,
           coalesce(nullif(trim(f.name), ''), {host_sql("u.url")}),
           a.published_at
    FROM article_urls u JOIN articles a USING (article_id)
    LEFT JOIN feeds f ON f.feed_url = u.feed_url
    WHERE a.story_id IN (SELECT story_id FROM _watch_ids)
    ORDER BY a.story_id, coalesce(a.published_at, a.first_seen_at), u.seen_at, u.url
"""

HITS_SCHEMA = pa.schema(
    [
        ("watch", pa.string()),
        ("story_id", pa.string()),
        ("run_id", pa.string()),
        ("matched_at", TS),
        ("title", pa.string()),
        ("outlets", TAGS),
        ("articles", pa.int32()),
        ("event_id", pa.string()),
    ]
)


def touched_stories(
    con: duckdb.DuckDBPyConnection, run_id: str, placed: Iterable[str] = ()
) -> set[str]:
    """The stories a run changed: those it placed articles in, and those any URL it loaded
    belongs to (a copy at a new outlet adds an outlet to a story without a new article)."""
    return {row[0] for row in con.execute(_TOUCHED, [run_id]).fetchall()} | set(placed)


def matching_stories(
    con: duckdb.DuckDBPyConnection, watches: Sequence[WatchSettings], story_ids: Iterable[str]
) -> dict[str, set[str]]:
    """Per watch name, the stories among `story_ids` with an article that matches its query
    and filters."""
    ids = key_table("story_id", story_ids)
    if not ids.num_rows or not watches:
        return {}
    with registered(con, _watch_ids=ids):
        docs = con.execute(_DOCS).to_arrow_table()
    if docs.num_rows == 0:
        return {}
    docs = _one_spelling(docs)
    with duckdb.connect() as mem:
        load_extension(mem, "fts")
        with registered(mem, incoming_docs=docs):
            mem.execute("CREATE TABLE docs AS SELECT * FROM incoming_docs")
        mem.execute("PRAGMA create_fts_index('docs', 'article_id', 'title', 'text')")
        return {w.name: _matches(mem, w) for w in watches}


def _matches(mem: duckdb.DuckDBPyConnection, watch: WatchSettings) -> set[str]:
    terms = [row[0] for row in mem.execute(_TERMS, {"q": watch.query}).fetchall()]
    if not terms:  # only stop words or punctuation: nothing to look for
        return set()
    rows = mem.execute(
        _MATCH,
        {
            "q": " ".join(terms),
            "outlets": [o.strip().lower().removeprefix("www.") for o in watch.outlets],
            "tags": [t.strip().lower() for t in watch.tags],
            "languages": watch.languages,  # in `primary_language`'s spelling (WatchSettings)
        },
    ).fetchall()
    return {row[0] for row in rows}


def _one_spelling(docs: pa.Table) -> pa.Table:
    """The articles' languages as `primary_language` spells them: migration 013 rewrote the
    rows wirehouse stored before languages had one spelling (`eng`, `ger`, `iw`); rows other
    tools write into the table still match a watch on `en`, `de` or `he`."""
    stored = docs.column("language").to_pylist()
    spelt = {v: primary_language(v) for v in set(stored) if v is not None}
    language = pa.array([spelt.get(v) if v is not None else None for v in stored], pa.string())
    return docs.set_column(docs.schema.get_field_index("language"), "language", language)


def story_states(con: duckdb.DuckDBPyConnection, story_ids: Iterable[str]) -> dict[str, StoryState]:
    """What alerts say about each story: title, outlets, counts, first, last and linked articles."""
    ids = key_table("story_id", story_ids)
    if not ids.num_rows:
        return {}
    with registered(con, _watch_ids=ids):
        member_rows = con.execute(_MEMBERS).fetchall()
        link_rows = con.execute(_LINKS).fetchall()
        story_rows = con.execute(_STORIES).fetchall()
    members: dict[str, list[ArticleRef]] = {}
    for story_id, title, url, outlet, published in member_rows:
        members.setdefault(story_id, []).append(ArticleRef(title, url, outlet, published))
    links: dict[str, dict[str, ArticleRef]] = {}
    for story_id, *ref in link_rows:
        links.setdefault(story_id, {}).setdefault(ref[1], ArticleRef(*ref))
    states = {}
    for story_id, title, outlets, articles, first, last in story_rows:
        refs = members.get(story_id)
        if not refs:
            continue
        seen = {r.url: r for r in refs}  # its articles first, as they describe themselves
        for url, copy in links.get(story_id, {}).items():
            seen.setdefault(url, copy)
        states[story_id] = StoryState(
            story_id=story_id,
            title=title,
            outlets=tuple(outlets),
            articles=int(articles),
            first_seen=first,
            last_seen=last,
            first=refs[0],
            last=refs[-1],
            links=tuple(seen.values())[:MAX_LINKS],
        )
    return states


def announced(
    con: duckdb.DuckDBPyConnection, watch_names: Iterable[str], story_ids: Iterable[str]
) -> set[tuple[str, str]]:
    """The (watch, story) pairs among these that a hit was already recorded for."""
    with registered(con, _watch_ids=key_table("story_id", story_ids)):
        rows = con.execute(
            "SELECT watch, story_id FROM watch_hits"
            " WHERE list_contains($watches, watch)"
            " AND story_id IN (SELECT story_id FROM _watch_ids)",
            {"watches": sorted(set(watch_names))},
        ).fetchall()
    return {(w, s) for w, s in rows}


def record_hits(con: duckdb.DuckDBPyConnection, hits: Sequence[WatchHit]) -> int:
    """Store the hits (a pair already stored stays as it was); returns how many were new."""
    rows = [
        (
            h.watch,
            h.story.story_id,
            h.run_id,
            h.matched_at,
            h.story.title,
            list(h.story.outlets),
            h.story.articles,
            str(h.event_id),
        )
        for h in hits
    ]
    return insert_new(con, "watch_hits", table(HITS_SCHEMA, rows), key=("watch", "story_id"))


def find_hits(
    con: duckdb.DuckDBPyConnection,
    watches: Sequence[WatchSettings],
    *,
    run_id: str,
    placed: Iterable[str] = (),
    now: datetime,
) -> list[WatchHit]:
    """The run's new hits, not yet recorded: the caller announces them, then records those it
    could announce (`record_hits`), so a hit whose event was not sent is found again."""
    if not watches:
        return []
    ids = touched_stories(con, run_id, set(placed))
    matches = matching_stories(con, watches, ids)
    matched = set().union(*matches.values()) if matches else set()
    if not matched:
        return []
    return decide_hits(
        watches,
        story_states(con, matched),
        matches,
        announced(con, [w.name for w in watches], matched),
        run_id=run_id,
        now=now,
    )


def evaluate_watches(
    con: duckdb.DuckDBPyConnection,
    watches: Sequence[WatchSettings],
    *,
    run_id: str,
    placed: Iterable[str] = (),
    now: datetime,
) -> list[WatchHit]:
    """Find the run's new hits and record them, in one transaction, without announcing them
    (a re-evaluation or a tool; the ingest flow announces first, then records)."""
    placed = set(placed)

    def work(con: duckdb.DuckDBPyConnection) -> list[WatchHit]:
        hits = find_hits(con, watches, run_id=run_id, placed=placed, now=now)
        record_hits(con, hits)
        return hits

    if not watches:
        return []
    return write_atomically(con, work)


@dataclass(frozen=True, slots=True)
class RecordedHit:
    """A hit as `watch_hits` holds it."""

    watch: str
    story_id: str
    matched_at: datetime
    title: str | None
    outlets: tuple[str, ...]
    articles: int


def has_watch_hits(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has the `watch_hits` table (an older one, read-only, may not)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'watch_hits'"
        " AND schema_name = current_schema() AND database_name = current_database()"
    ).fetchone()
    return bool(row and row[0])


def last_hits(con: duckdb.DuckDBPyConnection, *, per_watch: int = 5) -> list[RecordedHit]:
    """The latest `per_watch` hits of every watch, by watch, newest first."""
    if not has_watch_hits(con):
        return []
    rows = con.execute(
        """
        SELECT watch, story_id, matched_at, title, outlets, articles FROM (
            SELECT *, row_number() OVER (PARTITION BY watch ORDER BY matched_at DESC, story_id)
                AS n
            FROM watch_hits)
        WHERE n <= ? ORDER BY watch, matched_at DESC, story_id
        """,
        [per_watch],
    ).fetchall()
    return [RecordedHit(w, s, m, t, tuple(o), int(a)) for w, s, m, t, o, a in rows]


def hits_for_stories(
    con: duckdb.DuckDBPyConnection, story_ids: Iterable[str]
) -> dict[str, list[tuple[str, datetime]]]:
    """Per story, the watches that announced it and when (oldest first), for the digest."""
    ids = key_table("story_id", story_ids)
    if not ids.num_rows or not has_watch_hits(con):
        return {}
    found: dict[str, list[tuple[str, datetime]]] = {}
    with registered(con, _watch_ids=ids):
        rows = con.execute(
            "SELECT story_id, watch, matched_at FROM watch_hits"
            " WHERE story_id IN (SELECT story_id FROM _watch_ids) ORDER BY matched_at, watch"
        ).fetchall()
    for story_id, watch, at in rows:
        found.setdefault(story_id, []).append((watch, at))
    return found
