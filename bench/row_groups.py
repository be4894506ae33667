"""CPU of a hold's loads and the checkpoint that ends it, with DuckDB's default row groups, the
warehouse's `ROW_GROUP_SIZE` and the smallest DuckDB takes, side by side at several sizes.

    .venv/bin/python -m bench.row_groups [--sizes 10000 100000] [--rounds 3]

A checkpoint rewrites, whole, each row group that loads appended to since the last one. With
122,880 rows to a group, that is every article's text until the table passes that many rows.
Two tables stand in for the warehouse's extremes: `articles` (a text of ~3.5 KB a row, a
primary key) and `story_terms` (41 narrow rows an article). Each round makes one hold of a run
(ten loads of 125 articles and their terms, then a checkpoint) on a warehouse of the given
size, in each layout in turn, and times it all in the process's CPU time: a load of as many
rows as a group holds writes the group during the insert, which the checkpoint then skips.
Smaller groups rewrite less, but each group has its metadata, which a checkpoint writes too.
The sizes are the files' after the rounds, space freed by the rewrites included.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from wirehouse.warehouse.connection import ROW_GROUP_SIZE

LOAD_ARTICLES = 125
LOADS_PER_HOLD = 10
TERMS_PER_ARTICLE = 41

_SCHEMA = """
CREATE TABLE articles (article_id VARCHAR PRIMARY KEY, title VARCHAR, published_at TIMESTAMPTZ,
                       text VARCHAR, story_id VARCHAR);
CREATE TABLE story_terms (article_id VARCHAR, story_id VARCHAR, published_at TIMESTAMPTZ,
                          term VARCHAR);
"""


def _append(con: duckdb.DuckDBPyConnection, first: int, n: int) -> None:
    """`n` articles numbered from `first`, and their terms (texts differ row by row, as news)."""
    con.execute(
        """
        INSERT INTO articles SELECT 'a' || i, 'Title ' || i,
            TIMESTAMPTZ '2026-01-01' + to_seconds(i * 60),
            repeat(md5(i::VARCHAR) || ' said the minister on ' || (i % 97)::VARCHAR || '. ', 60),
            's' || (i // 2)
        FROM range(?, ?) r(i)
        """,
        [first, first + n],
    )
    con.execute(
        """
        INSERT INTO story_terms SELECT 'a' || (i // ?), 's' || (i // ? // 2),
            TIMESTAMPTZ '2026-01-01' + to_seconds(i // ? * 60), 'k:' || (hash(i) % 50000)::VARCHAR
        FROM range(? * ?, ? * ?) r(i)
        """,
        [TERMS_PER_ARTICLE] * 3 + [first, TERMS_PER_ARTICLE, first + n, TERMS_PER_ARTICLE],
    )


def _warehouse(path: Path, rows: int, row_group_size: int | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    options = f" (ROW_GROUP_SIZE {row_group_size})" if row_group_size else ""
    con.execute(f"ATTACH '{path}' AS w{options}")
    con.execute("USE w")
    con.execute("SET threads = 1")  # as the run's loader, whose close is the checkpoint
    con.execute("SET checkpoint_threshold = '1GB'")
    con.execute(_SCHEMA)
    _append(con, 0, rows)
    con.execute("CHECKPOINT")
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    layouts = {"default": None, f"of {ROW_GROUP_SIZE}": ROW_GROUP_SIZE, "of 2048": 2048}
    hold = f"{LOADS_PER_HOLD} loads of {LOAD_ARTICLES} articles"
    print(f"CPU of a hold ({hold}) and its checkpoint, ms")
    print(
        f"{'articles stored':>16} " + " ".join(f"{k:>10}" for k in layouts) + "  default/ours  MB"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="wirehouse-rowgroups-") as tmp:
            cons = {
                k: _warehouse(Path(tmp) / f"{i}.duckdb", size, v)
                for i, (k, v) in enumerate(layouts.items())
            }
            spent = dict.fromkeys(layouts, 0.0)
            stored = size
            for _ in range(args.rounds):
                for name, con in cons.items():  # in turns, so drift hits each alike
                    started = time.process_time()
                    for load in range(LOADS_PER_HOLD):
                        _append(con, stored + load * LOAD_ARTICLES, LOAD_ARTICLES)
                    con.execute("CHECKPOINT")
                    spent[name] += time.process_time() - started
                stored += LOADS_PER_HOLD * LOAD_ARTICLES
            sizes = []
            for i, con in enumerate(cons.values()):
                con.close()
                sizes.append((Path(tmp) / f"{i}.duckdb").stat().st_size / 1e6)
        ms = [1000 * spent[k] / args.rounds for k in layouts]
        print(
            f"{size:>16} "
            + " ".join(f"{m:>10.1f}" for m in ms)
            + f"  {ms[0] / ms[1]:11.1f}x  "
            + " / ".join(f"{mb:.0f}" for mb in sizes)
        )


if __name__ == "__main__":
    main()
