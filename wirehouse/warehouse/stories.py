"""The `story_members` and `story_terms` tables, and `articles.story_id`: placing a batch's
articles in stories by the scoring rule of `dedup.stories`. Runs inside the caller's batch
transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup import stories
from wirehouse.records import Decision
from wirehouse.warehouse.arrow import TS, insert_new, key_table, registered, table

_MEMBER_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("story_id", pa.string()),
        ("published_at", TS),
        ("score", pa.float64()),
        ("assigned_at", TS),
    ]
)

# one row per (batch article, term), with the article's window and the floor it must reach
_BATCH_TERM_SCHEMA = pa.schema(
    [
        ("idx", pa.int32()),
        ("term", pa.string()),
        ("w", pa.float64()),
        ("lo", TS),
        ("hi", TS),
        ("floor", pa.float64()),
    ]
)
# one row per batch article: its window
_BOUND_SCHEMA = pa.schema([("idx", pa.int32()), ("lo", TS), ("hi", TS)])


def _window_weights(
    con: duckdb.DuckDBPyConnection, placing: Sequence[stories.Candidate], window: timedelta
) -> dict[str, float]:
    """Term weights with IDF over the articles around the batch (stored ones and the batch)."""
    lo = min(c.published for c in placing) - window
    hi = max(c.published for c in placing) + window
    terms = (t for c in placing for t in c.terms)
    with registered(con, _story_vocab=key_table("term", terms)):
        df = dict(
            con.execute(
                "SELECT t.term, count(*) FROM story_terms t JOIN _story_vocab v ON v.term = t.term"
                " WHERE t.published_at BETWEEN ? AND ? GROUP BY t.term",
                [lo, hi],
            ).fetchall()
        )
        row = con.execute(
            "SELECT count(*) FROM story_members WHERE published_at BETWEEN ? AND ?", [lo, hi]
        ).fetchone()
    return stories.window_weights(placing, df, int(row[0]) if row else 0)


def _stored_story_matches(
    con: duckdb.DuckDBPyConnection,
    placing: Sequence[stories.Candidate],
    weights: Mapping[str, float],
    settings: DedupSettings,
) -> tuple[dict[str, list[stories.StoredMatch]], dict[str, int]]:
    """Stories with members within the window of each article, sharing its terms: one join of
    the batch's terms against story_terms in the time range, summed per (article, story).

    Each term row carries its article's window and floor, so the join's rows are filtered and
    summed without a second join back to the article (half the query's time)."""
    window = timedelta(days=settings.story_window_days)
    term_rows, bound_rows = [], []
    for i, c in enumerate(placing):
        # an article can only reach the threshold through stories it shares this much with
        floor = settings.story_threshold * sum(weights[t] for t in c.terms)
        lo, hi = c.published - window, c.published + window
        bound_rows.append((i, lo, hi))
        # a term common this week is no evidence, and the costliest to join
        term_rows += [(i, t, weights[t], lo, hi, floor) for t in c.terms if weights[t]]
    batch_terms = table(_BATCH_TERM_SCHEMA, term_rows)
    bounds = table(_BOUND_SCHEMA, bound_rows)
    with registered(con, _story_terms_in=batch_terms, _story_bounds=bounds):
        rows = con.execute(
            """
            WITH lo_hi AS (SELECT min(lo) AS lo, max(hi) AS hi FROM _story_bounds),
            near_terms AS (
                SELECT t.story_id, t.published_at, t.term
                FROM story_terms t, lo_hi WHERE t.published_at BETWEEN lo_hi.lo AND lo_hi.hi),
            hits AS (
                SELECT b.idx, t.story_id, sum(b.w) AS overlap
                FROM _story_terms_in b
                JOIN near_terms t ON t.term = b.term
                WHERE t.published_at BETWEEN b.lo AND b.hi
                GROUP BY b.idx, t.story_id
                HAVING sum(b.w) >= any_value(b.floor)),
            members AS (
                SELECT h.idx, h.story_id, any_value(h.overlap) AS overlap, count(*) AS n
                FROM hits h
                JOIN _story_bounds w ON w.idx = h.idx
                JOIN story_members m ON m.story_id = h.story_id
                WHERE m.published_at BETWEEN w.lo AND w.hi
                GROUP BY h.idx, h.story_id)
            SELECT idx, story_id, overlap, n FROM members ORDER BY idx, story_id
            """
        ).fetchall()
    matches: dict[str, list[stories.StoredMatch]] = {}
    sizes: dict[str, int] = {}
    for i, story_id, overlap, n in rows:
        aid = placing[i].article_id
        matches.setdefault(aid, []).append(stories.StoredMatch(story_id, float(overlap), int(n)))
        sizes[story_id] = max(sizes.get(story_id, 0), int(n))
    return matches, sizes


def _existing_stories(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> dict[str, str]:
    if not article_ids:
        return {}
    with registered(con, _story_ids=key_table("article_id", article_ids)):
        return dict(
            con.execute(
                "SELECT a.article_id, a.story_id FROM articles a"
                " JOIN _story_ids i ON i.article_id = a.article_id WHERE a.story_id IS NOT NULL"
            ).fetchall()
        )


def place_in_stories(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    settings: DedupSettings,
    *,
    now: datetime,
    inherited: Mapping[str, str],
) -> dict[str, str]:
    """Give every NEW article (and any VERSION one without a story) its story
    (`dedup.stories.place`); return {article_id: story_id} for all of them."""
    wanted = stories.wanting_story(decisions)
    existing = _existing_stories(con, list(wanted))
    placing = [stories.candidate(d, now) for aid, d in wanted.items() if aid not in existing]
    result = dict(existing)
    if not placing:
        return result
    weights = _window_weights(con, placing, timedelta(days=settings.story_window_days))
    stored, sizes = _stored_story_matches(con, placing, weights, settings)
    placed = stories.place(
        placing,
        inherited=inherited,
        stored=stored,
        stored_members=sizes,
        weights=weights,
        settings=settings,
    )
    members = pa.table(
        [
            pa.array([c.article_id for c in placing], pa.string()),
            pa.array([placed[c.article_id].story_id for c in placing], pa.string()),
            pa.array([c.published for c in placing], TS),
            pa.array([placed[c.article_id].score for c in placing], pa.float64()),
            pa.array([now] * len(placing), TS),
        ],
        schema=_MEMBER_SCHEMA,
    )
    insert_new(con, "story_members", members, key=("article_id",))
    term_rows = [
        (c.article_id, placed[c.article_id].story_id, c.published, t)
        for c in placing
        for t in sorted(c.terms)
    ]
    terms = pa.table(
        {
            "article_id": pa.array([r[0] for r in term_rows], pa.string()),
            "story_id": pa.array([r[1] for r in term_rows], pa.string()),
            "published_at": pa.array([r[2] for r in term_rows], TS),
            "term": pa.array([r[3] for r in term_rows], pa.string()),
        }
    )
    with registered(con, _new_story_terms=terms, _placed_members=members):
        # articles placed here had no story, so they have no terms stored yet
        con.execute("INSERT INTO story_terms SELECT * FROM _new_story_terms")
        con.execute(
            "UPDATE articles AS a SET story_id = m.story_id FROM _placed_members m"
            " WHERE a.article_id = m.article_id"
        )
    for c in placing:
        result[c.article_id] = placed[c.article_id].story_id
    return result
