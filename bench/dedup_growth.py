"""Cost of near-duplicate detection and story placement per article as the warehouse grows.

    .venv/bin/python -m bench.dedup_growth [--sizes 1000 10000 100000] [--repeats 3]

For each size, a warehouse is pre-filled with that many synthetic articles written straight
into the tables (`bench/prefill.py`: fingerprints, band keys, story members and terms drawn
from this corpus's vocabulary; deterministic), at a
constant 300 articles a day, so a story window holds the same number of articles once the
archive is older than the window, as in a real deployment. The last 500 are real synthetic
texts loaded through the real code path. Then a batch of 1,000 new articles (10% edited copies
of stored texts, 5% copies inside the batch, the rest new; many about events already in the
window) goes through the deduplication stage (`dedupe_and_load`: lookups, exact, near, load,
demotions, fingerprints, stories) in one transaction, rolled back after each repeat. Timed: the
whole stage (before it had one entry point, only its near-duplicate and story steps were).
Also timed: the same 1,000 articles in batches of 64 (the ingest flow's batch size when
measured; now 128), each in its own transaction (rolled back, so each meets the same warehouse).
Results: a table on stdout and bench/results/dedup_growth.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from bench.prefill import Terms, prefill
from devkit.newsroom.generated import ARTICLES_PER_DAY
from wirehouse.config.settings import DedupSettings
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.records import Article, DateSource, Entry
from wirehouse.warehouse.connection import open_file
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate

ROOT = Path(__file__).resolve().parents[1]

RESULTS = ROOT / "bench" / "results" / "dedup_growth.json"
PER_DAY = ARTICLES_PER_DAY  # as bench/prefill.py spreads the synthetic ones
T0 = datetime(2026, 1, 1, tzinfo=UTC)
REAL_TAIL = 500
BATCH = 1000
EVENTS = 400
_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def _name(n: int, width: int = 4) -> str:
    """A letters-only pseudo-word for n (so it passes the keyword filters)."""
    out = []
    for _ in range(width):
        out.append(str(_LETTERS[n % 26]))
        n //= 26
    return "".join(out)


class Corpus:
    """Deterministic synthetic news: background words, recurring names, events."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)
        self.words = [f"v{_name(i)}" for i in range(30_000)]
        self.names = [f"Q{_name(i)}" for i in range(20_000)]
        ranks = np.arange(1, 30_001)
        self.word_p = (1 / ranks) / (1 / ranks).sum()
        ranks = np.arange(1, 20_001)
        self.name_p = (1 / ranks**0.8) / (1 / ranks**0.8).sum()
        self.events = [
            {
                "names": [self.names[i] for i in self.rng.choice(20_000, 6, p=self.name_p)],
                "numbers": [str(int(x)) for x in self.rng.integers(10, 99_999, 3)],
                "words": [self.words[i] for i in self.rng.choice(3_000, 5)],
            }
            for _ in range(EVENTS)
        ]

    def text(self, event: int, words: int = 300) -> str:
        ev = self.events[event]
        bg = iter(self.rng.choice(len(self.words), words, p=self.word_p).tolist())
        sentences = []
        made = 0
        while made < words:
            n = int(self.rng.integers(12, 22))
            toks = [self.words[next(bg, 0)] for _ in range(n)]
            toks[int(self.rng.integers(1, n))] = str(self.rng.choice(ev["names"]))
            if self.rng.random() < 0.4:
                toks[int(self.rng.integers(1, n))] = str(self.rng.choice(ev["numbers"]))
            if self.rng.random() < 0.5:
                toks[int(self.rng.integers(1, n))] = str(self.rng.choice(ev["words"]))
            if self.rng.random() < 0.15:
                toks.append('"' + " ".join(ev["words"][:3] + toks[:3]) + '"')
            sentences.append("The " + " ".join(toks) + ".")
            made += n
        return " ".join(sentences)

    def terms(self) -> Terms:
        """The story terms of these texts for the prefill: names and words Zipf-like as in
        the texts, numbers uniform (45%, 45%, 10% of the draws)."""
        vocab = (
            [f"e:{x.lower()}" for x in self.names]
            + [f"k:{x}" for x in self.words]
            + [f"n:{i}" for i in range(10, 5_000)]
        )
        weights = np.concatenate(
            [self.name_p * 0.45, self.word_p * 0.45, np.full(4_990, 0.1 / 4_990)]
        )
        return Terms(vocab, weights / weights.sum())

    def edit(self, text: str) -> str:
        """A republication: last sentence dropped, a few words changed, a credit line."""
        sentences = text.split(". ")[:-1]
        words = ". ".join(sentences).split()
        for i in self.rng.choice(len(words), 4, replace=False):
            words[int(i)] = "edited"
        return " ".join(words) + ". Supplied by Continental Wire."


def _article(url: str, text: str, published: datetime, title: str) -> Article:
    entry = Entry(
        feed_url="https://bench.test/feed.xml",
        url=url,
        url_key=url,
        guid=None,
        title=title,
        published_at=published,
    )
    return Article(
        entry=entry,
        url=url,
        canonical_url=None,
        canonical_key=None,
        title=title,
        text=text,
        content_hash=content_hash(text),
        published_at=published,
        published_at_source=DateSource.FEED,
        fetched_at=published,
    )


def _load(con: duckdb.DuckDBPyConnection, articles: list[Article], now: datetime) -> float:
    """One batch through the deduplication stage; returns the seconds it took."""
    started = time.perf_counter()
    dedupe_and_load(con, "bench", articles, settings=DedupSettings(), now=now)
    return time.perf_counter() - started


def measure(size: int, repeats: int) -> dict[str, Any]:
    corpus = Corpus()
    with tempfile.TemporaryDirectory() as tmp:
        con = open_file(Path(tmp) / "growth.duckdb")
        migrate(con)
        started = time.perf_counter()
        synthetic_end = T0 - timedelta(days=REAL_TAIL / PER_DAY)
        prefill(
            con,
            size - REAL_TAIL,
            end=synthetic_end,
            stored_until=synthetic_end.date(),
            terms=corpus.terms(),
            seed=size,
        )
        real: list[tuple[int, str]] = []
        for b in range(0, REAL_TAIL, 100):
            batch = []
            for i in range(b, b + 100):
                when = T0 - timedelta(days=(REAL_TAIL - i) / PER_DAY)
                event = int(corpus.rng.integers(0, EVENTS))
                text = corpus.text(event)
                real.append((event, text))
                batch.append(_article(f"https://real.test/{i}", text, when, f"Real {i}"))
            con.execute("BEGIN TRANSACTION")
            _load(con, batch, T0)
            con.execute("COMMIT")
        con.execute("CHECKPOINT")
        prefill_s = time.perf_counter() - started

        new: list[Article] = []
        for i in range(BATCH):
            when = T0 + timedelta(seconds=i * 86_400 / PER_DAY)
            if i % 10 == 0:
                text = corpus.edit(real[int(corpus.rng.integers(0, len(real)))][1])
            elif i % 20 == 1 and new:
                text = corpus.edit(new[-1].text or "")
            else:
                text = corpus.text(int(corpus.rng.integers(0, EVENTS)))
            new.append(_article(f"https://new.test/{i}", text, when, f"New {i}"))

        def timed(batch_size: int) -> float:
            """ms per article; each batch in its own transaction, as the flow does, rolled back
            so that every batch and repeat meets the same warehouse."""
            spent = 0.0
            for b in range(0, BATCH, batch_size):
                con.execute("BEGIN TRANSACTION")
                try:
                    spent += _load(con, new[b : b + batch_size], T0 + timedelta(days=4))
                finally:
                    con.execute("ROLLBACK")
            return spent * 1000 / BATCH

        timed(64)  # warm-up: DuckDB's caches and the per-word caches of a running process
        one = [timed(BATCH) for _ in range(repeats)]
        small = [timed(64) for _ in range(repeats)]
        counts = dict(
            con.execute(
                "SELECT 'bands', count(*) FROM near_bands UNION ALL"
                " SELECT 'terms', count(*) FROM story_terms"
            ).fetchall()
        )
        con.close()
    return {
        "articles": size,
        "band_rows": counts["bands"],
        "term_rows": counts["terms"],
        "prefill_s": round(prefill_s, 1),
        "ms_per_article_batch_1000": round(statistics.median(one), 3),
        "ms_per_article_batches_of_64": round(statistics.median(small), 3),
        "runs_batch_1000": [round(x, 3) for x in one],
        "runs_batches_of_64": [round(x, 3) for x in small],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows.append(measure(size, args.repeats))
        print(f"  measured {size:,} (prefill {rows[-1]['prefill_s']} s)", file=sys.stderr)
    base = rows[0]["ms_per_article_batch_1000"]
    print(
        f"{'warehouse':>10} {'band rows':>10} {'term rows':>10} {'ms/article':>11}"
        f" {'ratio':>6} {'ms/article (64s)':>17}"
    )
    for r in rows:
        r["ratio_to_first"] = round(r["ms_per_article_batch_1000"] / base, 2)
        print(
            f"{r['articles']:>10,} {r['band_rows']:>10,} {r['term_rows']:>10,}"
            f" {r['ms_per_article_batch_1000']:>11.3f} {r['ratio_to_first']:>6.2f}"
            f" {r['ms_per_article_batches_of_64']:>17.3f}"
        )
    result = {
        "what": "dedupe_and_load, ms per article, batch of 1,000 new"
        " articles (median of repeats, after a warm-up); batches of 64 for comparison",
        "machine": {
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "cpus": __import__("os").cpu_count(),
        },
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
