"""Draw bench/results/growth.png from bench/results/ingest.json: cost against warehouse size.

.venv/bin/python -m bench.plot [--results bench/results/ingest.json] [--out ...png]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

RESULTS = Path(__file__).resolve().parent / "results"


def plot(results: Path, out: Path) -> None:
    data = json.loads(results.read_text())
    rows = data.get("growth") or []
    if not rows:
        raise SystemExit(f"no growth points in {results}")
    sizes = [max(1, r["warehouse_articles"]) for r in rows]
    labels = [f"{r['warehouse_articles']:,}" for r in rows]
    fig, left = plt.subplots(figsize=(7, 4))
    left.plot(sizes, [r["pages_per_s"] for r in rows], "o-", color="tab:blue")
    left.set_xscale("symlog", linthresh=10_000)
    left.set_xticks(sizes, labels)
    left.set_xlabel("articles already in the warehouse")
    left.set_ylabel("ingest throughput, pages/s", color="tab:blue")
    left.set_ylim(bottom=0)
    right = left.twinx()
    right.plot(sizes, [r["ms_per_article"] for r in rows], "s--", color="tab:red", label="wall")
    right.plot(
        sizes, [r["cpu_ms_per_article"] for r in rows], "^:", color="tab:orange", label="CPU"
    )
    right.set_ylabel("ms per new article", color="tab:red")
    right.set_ylim(bottom=0)
    right.legend(loc="lower right")
    batch = rows[0]["pages"]
    fig.suptitle(f"Cold ingest of {batch:,} new pages against warehouse size")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS / "ingest.json")
    parser.add_argument("--out", type=Path, default=RESULTS / "growth.png")
    args = parser.parse_args()
    plot(args.results, args.out)


if __name__ == "__main__":
    main()
