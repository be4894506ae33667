"""Cost of rebuilding the full-text index (DuckDB's fts is not incremental: every refresh
rebuilds it from all articles).

    .venv/bin/python -m bench.fts_rebuild [--sizes 10000 100000] [--words 400] [--repeats 2]

For each size, a fresh warehouse file is filled with synthetic articles written straight into
`articles` (a 10-word title and `--words` words of text drawn from a 20,000-word Zipf-like
vocabulary, like news prose), then `refresh_index` runs `--repeats` times (the first build and
the rebuilds that follow each ingest run). Also timed: one `search()` on the built index.
Results: a table on stdout and bench/results/fts_rebuild.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.warehouse.connection import open_file
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.search import refresh_index, search

ROOT = Path(__file__).resolve().parents[1]

VOCAB = 20_000


def fill(con: duckdb.DuckDBPyConnection, n: int, words: int) -> None:
    """n articles of synthetic prose: word k of the vocabulary drawn with weight ~ 1/k."""
    con.execute(
        f"""
        CREATE TEMP TABLE vocab AS
        SELECT range AS k, 'w' || range::VARCHAR || chr((97 + range % 26)::INTEGER) AS word
        FROM range({VOCAB})
        """
    )
    # exp(random * ln(VOCAB)) is a log-uniform draw: close to Zipf for word frequencies
    con.execute(
        f"""
        INSERT INTO articles (article_id, url, url_key, title, text, published_at,
                              published_at_source, content_hash, body_source, first_seen_at,
                              updated_at, last_fetched_at)
        WITH docs AS (
            SELECT i // {words} AS d, list(v.word) AS ws
            FROM (SELECT range AS i,
                         least({VOCAB - 1}, floor(exp(random() * ln({VOCAB})))::BIGINT) AS k
                  FROM range({n * words})) draws
            JOIN vocab v USING (k)
            GROUP BY d
        )
        SELECT 'a' || d, 'https://bench.test/' || d, 'bench.test/' || d,
               array_to_string(ws[1:10], ' '), array_to_string(ws, ' '),
               now() - to_minutes(d), 'feed', md5(d::VARCHAR), 'page', now(), now(), now()
        FROM docs
        """
    )


def run(sizes: list[int], words: int, repeats: int) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.duckdb"
            con = open_file(path)
            migrate(con)
            started = time.perf_counter()
            fill(con, n, words)
            fill_s = time.perf_counter() - started
            builds = [refresh_index(con) for _ in range(repeats)]
            started = time.perf_counter()
            hits = search(con, "w3d w17r", limit=20)
            search_s = time.perf_counter() - started
            con.close()
            size_mb = os.path.getsize(path) / 1e6
        row = {
            "articles": n,
            "words_per_article": words,
            "fill_s": round(fill_s, 2),
            "rebuild_s": [round(b, 2) for b in builds],
            "search_s": round(search_s, 3),
            "hits": len(hits),
            "db_mb_with_index": round(size_mb, 1),
        }
        print(
            f"{n:>8} articles: rebuild {', '.join(f'{b:.2f}s' for b in builds)}; "
            f"search {search_s:.3f}s; file {size_mb:.0f} MB",
            flush=True,
        )
        results.append(row)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    results = run(args.sizes, args.words, args.repeats)
    out = ROOT / "bench" / "results" / "fts_rebuild.json"
    meta = {"machine": platform.machine(), "cpus": os.cpu_count(), "duckdb": duckdb.__version__}
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
