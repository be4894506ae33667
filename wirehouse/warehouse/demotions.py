"""Demoting a stored copy in favour of an original that arrived after it (`dedup.copies`).

The reprint's URLs move to the original (its own URL as `near`, with its similarity), its
fingerprints join the original's, the original takes over its story (`canonical_reason`
`earlier_published`), and its row moves from `articles` to `demoted_articles` whole, with its
own URL, outlet and text and a `duplicate_of` pointer (its pages and versions stay under its
old id). Runs inside the caller's batch transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from wirehouse.dedup.copies import Demotion
from wirehouse.records import CanonicalReason
from wirehouse.warehouse.arrow import registered

log = logging.getLogger(__name__)


def apply_demotions(
    con: duckdb.DuckDBPyConnection, demotions: Sequence[Demotion]
) -> dict[str, str]:
    """Merge each demoted copy into its original; return the stories the originals inherit,
    {original_id: story_id}."""
    if not demotions:
        return {}
    table = pa.table(
        {
            "copy_id": pa.array([x.copy_id for x in demotions], pa.string()),
            "original_id": pa.array([x.original_id for x in demotions], pa.string()),
            "similarity": pa.array([x.similarity for x in demotions], pa.float64()),
        }
    )
    with registered(con, _demoted=table):
        con.execute(
            """
            UPDATE article_urls AS u SET
                article_id = d.original_id,
                match_kind = CASE WHEN u.match_kind = 'new' THEN 'near' ELSE u.match_kind END,
                similarity = CASE WHEN u.match_kind = 'new' THEN d.similarity
                                  ELSE u.similarity END
            FROM _demoted d WHERE u.article_id = d.copy_id
            """
        )
        con.execute(
            "UPDATE near_signatures AS s SET article_id = d.original_id"
            " FROM _demoted d WHERE s.article_id = d.copy_id"
        )
        inherited = dict(
            con.execute(
                "SELECT d.original_id, min(c.story_id) FROM _demoted d"
                " JOIN articles c ON c.article_id = d.copy_id"
                " WHERE c.story_id IS NOT NULL GROUP BY d.original_id"
            ).fetchall()
        )
        # the copy's row, text and all, moves to demoted_articles: demotion deletes no text
        con.execute(
            "INSERT INTO demoted_articles BY NAME SELECT c.*, d.original_id AS duplicate_of,"
            " d.similarity AS demoted_similarity, now() AS demoted_at,"
            f" '{CanonicalReason.EARLIER_PUBLISHED}' AS demoted_reason"
            " FROM articles c JOIN _demoted d ON d.copy_id = c.article_id"
            " WHERE c.article_id NOT IN (SELECT article_id FROM demoted_articles)"
        )
        con.execute(
            f"UPDATE articles SET canonical_reason = '{CanonicalReason.EARLIER_PUBLISHED}'"
            " WHERE article_id IN (SELECT original_id FROM _demoted)"
        )
        for target in ("story_terms", "story_members", "articles"):
            con.execute(f"DELETE FROM {target} WHERE article_id IN (SELECT copy_id FROM _demoted)")
    log.info("demoted %d stored copies in favour of earlier originals", len(demotions))
    return inherited
