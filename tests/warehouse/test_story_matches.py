"""The warehouse's story matching is its definition: for each article of a batch, every stored
story whose members within the article's own window share enough of its weighted terms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup.stories import Candidate, StoredMatch
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.stories import _stored_story_matches

START = datetime(2026, 1, 1, tzinfo=UTC)
TERMS = ("e:estmark", "e:kestrel", "k:harbour", "k:strike", "n:1200", "q:talks pressure")
# dyadic weights and threshold: every sum is exact, so a tie with the floor is a real tie
WEIGHTS = st.sampled_from((0.0, 0.125, 0.25, 0.5, 1.0, 1.5))
DEDUP = DedupSettings(story_threshold=0.25)
WINDOW = timedelta(days=DEDUP.story_window_days)

# an article may have no story terms at all: a member then counts, and shares nothing
term_sets = st.frozensets(st.sampled_from(TERMS))
# times over six weeks, on the hour around midnight: windows of 14 days overlap partly,
# and their edges (inclusive) are reached often
hours = st.builds(
    lambda day, hour: day * 24 + hour, st.integers(0, 42), st.sampled_from((-1, 0, 1))
)
members = st.lists(st.tuples(st.integers(0, 4), hours, term_sets), max_size=14)
batches = st.lists(st.tuples(hours, term_sets), min_size=1, max_size=6)


@pytest.fixture(scope="module")
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """One migrated in-memory warehouse for all the examples; each fills it afresh."""
    con = duckdb.connect(":memory:")
    migrate(con)
    yield con
    con.close()


def _store(con: duckdb.DuckDBPyConnection, stored: list[tuple[int, int, frozenset[str]]]) -> None:
    con.execute("DELETE FROM story_members")
    con.execute("DELETE FROM story_terms")
    at = [START + timedelta(hours=h) for _, h, _ in stored]
    members = [(f"m{i}", f"s{s}", at[i], START) for i, (s, _, _) in enumerate(stored)]
    terms = [
        (f"m{i}", f"s{s}", at[i], t) for i, (s, _, ts) in enumerate(stored) for t in sorted(ts)
    ]
    if members:
        con.executemany(
            "INSERT INTO story_members (article_id, story_id, published_at, assigned_at)"
            " VALUES (?, ?, ?, ?)",
            members,
        )
    if terms:
        con.executemany("INSERT INTO story_terms VALUES (?, ?, ?, ?)", terms)


def _expected(
    stored: list[tuple[int, int, frozenset[str]]],
    batch: list[Candidate],
    weights: dict[str, float],
) -> dict[str, list[StoredMatch]]:
    """Every (article, story) pair by the definition, one member at a time."""
    out: dict[str, list[StoredMatch]] = {}
    for c in batch:
        floor = DEDUP.story_threshold * sum(weights[t] for t in c.terms)
        for s in sorted({s for s, _, _ in stored}, key=lambda s: f"s{s}"):
            near = [
                terms
                for story, h, terms in stored
                if story == s and abs(START + timedelta(hours=h) - c.published) <= WINDOW
            ]
            shared = [weights[t] for terms in near for t in terms & c.terms if weights[t]]
            if shared and sum(shared) >= floor:
                out.setdefault(c.article_id, []).append(
                    StoredMatch(f"s{s}", sum(shared), len(near))
                )
    return out


@settings(max_examples=150, deadline=None)
@given(stored=members, batch=batches, weights=st.fixed_dictionaries({t: WEIGHTS for t in TERMS}))
def test_stored_matches_are_the_stories_sharing_enough_within_each_articles_window(
    warehouse: duckdb.DuckDBPyConnection,
    stored: list[tuple[int, int, frozenset[str]]],
    batch: list[tuple[int, frozenset[str]]],
    weights: dict[str, float],
) -> None:
    _store(warehouse, stored)
    placing = [
        Candidate(f"a{i}", START + timedelta(hours=h), terms) for i, (h, terms) in enumerate(batch)
    ]
    matches, sizes = _stored_story_matches(warehouse, placing, weights, DEDUP)
    expected = _expected(stored, placing, weights)
    assert matches == expected
    assert sizes == {
        m.story_id: max(
            x.members for ms in expected.values() for x in ms if x.story_id == m.story_id
        )
        for ms in expected.values()
        for m in ms
    }
