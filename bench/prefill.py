"""Pre-fill a warehouse with n synthetic articles, straight into the tables, for growth points.

Loading a million articles through the pipeline would take hours; what the next ingest meets is
the tables' size and shape, so the rows are generated with DuckDB SQL and numpy: articles,
their URLs, versions, story members and terms (newsroom vocabulary, Zipf-like, 45 per article),
near-duplicate signatures and band keys (42 per article). Articles are spread at the newsroom's
300 a day and end just before `end`, so a story window holds as many articles as it would in a
real deployment and the new batch lands right after them. Both growth benchmarks use it:
`ingest_bench.py` (through `main`, in its own process) and `dedup_growth.py`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from devkit.newsroom.generated import _STOP, ARTICLES_PER_DAY, EPOCH, _vocabulary
from wirehouse.config.settings import DedupSettings
from wirehouse.dedup import near
from wirehouse.warehouse.arrow import registered
from wirehouse.warehouse.connection import open_file, publish_read_copy
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.search import refresh_index

ROOT = Path(__file__).resolve().parents[1]

TERMS_PER_ARTICLE = 45
_CHUNK = 200_000


@dataclass(frozen=True)
class Terms:
    """The story terms to draw from (`e:`, `k:`, `n:` prefixed, as `dedup.stories` stores
    them) and their probabilities: the vocabulary of the texts the benchmark loads next."""

    vocab: Sequence[str]
    p: np.ndarray


def newsroom_terms(seed: int) -> Terms:
    """The benchmark newsroom's names and words, Zipf-like in their order."""
    words, names, _ = _vocabulary(seed)
    vocab = [f"e:{x.lower()}" for x in names] + [f"k:{x}" for x in words[len(_STOP) :]]
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 0.8
    return Terms(vocab, weights / weights.sum())


def prefill(
    con: duckdb.DuckDBPyConnection,
    n: int,
    *,
    end: datetime,
    stored_until: date,
    terms: Terms,
    seed: int = 6,
) -> None:
    """Insert n articles (ids ``syn<i>``) published before `end`, in one transaction; their
    near-duplicate band keys are dated as if stored at 300 a day up to `stored_until` (the
    `now` of the loads that follow decides which of them fall in `dedup.near_window_days`)."""
    if n <= 0:
        return
    scheme = near.scheme_for(DedupSettings())
    start = end - timedelta(days=n / ARTICLES_PER_DAY)
    step_s = 86_400 / ARTICLES_PER_DAY
    con.execute("BEGIN TRANSACTION")
    con.execute(
        f"""
        CREATE TEMP TABLE _syn AS
        SELECT i, 'syn' || i AS article_id, 'https://syn.test/news/' || i AS url,
               TIMESTAMPTZ '{start.isoformat()}' + to_seconds(i * {step_s}) AS ts,
               'st' || (i // 3) AS story_id
        FROM range({n}) r(i)
        """
    )
    con.execute(
        """
        INSERT INTO articles (article_id, url, url_key, title, text, published_at,
            published_at_source, feed_url, content_hash, body_source, version, first_seen_at,
            updated_at, last_fetched_at, story_id)
        SELECT article_id, url, url, 'Synthetic report ' || i,
               'Synthetic archived report number ' || i || ' about the harbour and the council.',
               ts, 'feed', 'https://syn.test/feed.xml', md5(article_id), 'page', 1, ts, ts, ts,
               story_id
        FROM _syn
        """
    )
    con.execute(
        "INSERT INTO article_urls (url, url_key, feed_url, article_id, match_kind, seen_at)"
        " SELECT url, url, 'https://syn.test/feed.xml', article_id, 'new', ts FROM _syn"
    )
    con.execute(
        "INSERT INTO article_versions (article_id, version, title, text, content_hash,"
        " body_source, fetched_at) SELECT article_id, 1, title, text, content_hash, body_source,"
        " first_seen_at FROM articles WHERE article_id LIKE 'syn%'"
    )
    con.execute("INSERT INTO story_members SELECT article_id, story_id, ts, NULL, ts FROM _syn")
    rng = np.random.default_rng(seed)
    for lo in range(0, n, _CHUNK):
        _fingerprints(con, rng, lo, min(n, lo + _CHUNK), n, scheme, stored_until)
        _terms(con, rng, lo, min(n, lo + _CHUNK), terms)
    con.execute("DROP TABLE _syn")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")


def _fingerprints(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    lo: int,
    hi: int,
    n: int,
    scheme: near.Scheme,
    stored_until: date,
) -> None:
    """Signatures and band keys; band keys dated as if stored at 300 a day up to
    `stored_until`, so the near-duplicate window holds what it would in a warehouse that has
    grown to n."""
    raw = rng.integers(0, 2**32, size=(hi - lo, scheme.num_perm), dtype=np.uint64)
    sigs = raw.astype(np.uint32)
    ids = np.arange(lo, hi, dtype=np.int64) + 10**12
    signatures = pa.table(
        {
            "sig_id": ids,
            "i": np.arange(lo, hi, dtype=np.int64),
            "signature": pa.array([s.astype("<u4").tobytes() for s in sigs], pa.binary()),
        }
    )
    bands = pa.table(
        {
            "band_key": near.band_keys(sigs, scheme).reshape(-1),
            "sig_id": np.repeat(ids, scheme.bands),
            "age_days": np.repeat((n - np.arange(lo, hi)) // ARTICLES_PER_DAY, scheme.bands),
        }
    )
    with registered(con, _syn_sigs=signatures, _syn_bands=bands):
        con.execute(
            "INSERT INTO near_signatures SELECT sig_id, 'syn' || i, md5('syn' || i), ?, 300,"
            " signature FROM _syn_sigs",
            [scheme.name],
        )
        con.execute(
            "INSERT INTO near_bands SELECT band_key, sig_id, ?::DATE - age_days::INTEGER"
            " FROM _syn_bands",
            [stored_until],
        )


def _terms(
    con: duckdb.DuckDBPyConnection, rng: np.random.Generator, lo: int, hi: int, terms: Terms
) -> None:
    """Story terms from the vocabulary of the texts loaded next, so they meet them in joins."""
    idx = rng.choice(len(terms.vocab), size=(hi - lo) * TERMS_PER_ARTICLE, p=terms.p)
    drawn = pa.DictionaryArray.from_arrays(
        pa.array(idx, pa.int32()), pa.array(terms.vocab, pa.string())
    ).cast(pa.string())
    syn_terms = pa.table({"i": np.repeat(np.arange(lo, hi), TERMS_PER_ARTICLE), "term": drawn})
    with registered(con, _syn_terms=syn_terms):
        # ingestion appends in publication order; keep that, as DuckDB's zonemaps rely on it
        con.execute(
            "INSERT INTO story_terms SELECT s.article_id, s.story_id, s.ts, t.term"
            " FROM _syn_terms t JOIN _syn s ON s.i = t.i ORDER BY s.ts"
        )


def main() -> None:
    """`prefill.py DB N`: a migrated warehouse with N articles ending at the newsroom's epoch,
    with what earlier runs leave beside them: the full-text index and the read copy (run as its
    own process, so the benchmark's long-lived process keeps its own memory)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("db", type=Path)
    parser.add_argument("articles", type=int)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    con = open_file(args.db)
    migrate(con)
    # the benchmark's flow runs load at the real time, so the band keys end today
    prefill(
        con,
        args.articles,
        end=EPOCH,
        stored_until=datetime.now(UTC).date(),
        terms=newsroom_terms(args.seed),
        seed=args.seed,
    )
    refresh_index(con)
    con.close()
    publish_read_copy(args.db)


if __name__ == "__main__":
    main()
