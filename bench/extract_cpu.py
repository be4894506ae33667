"""CPU per page of the extraction worker against trafilatura alone, one core, side by side.

    .venv/bin/python -m bench.extract_cpu [--rounds 5] [--titles 120] [--newsroom 40] [--out F]

Pages, each set measured apart: the repository's article fixtures (tests/fixtures/unseen and
the feeds test's page), the first `--titles` pages of the title corpus
(devkit/evals/titles_corpus.py) and `--newsroom` pages of the generated newsroom
(devkit/newsroom/generated.py). Timed for each page, in turns whose order rotates every round,
in the thread's CPU time (`bench.measure.interleaved_cpu`, so other load on the machine
counts little):

- ``worker``: `extract_page`, everything a worker does for one page;
- ``worker_released``: the same with trafilatura's prunes as released, not the worker's equal
  but faster selections (`wirehouse.extractors.discard`);
- ``with_metadata``: `parse_html` and trafilatura's `bare_extraction` with wirehouse's options
  and its own metadata pass, the call the worker made before it read the metadata itself;
- ``text_only``: the same with ``with_metadata=False``, the call the worker makes now.

The two trafilatura variants run its code as released too.

Ratios printed: worker / worker_released (what the selections save), worker / with_metadata
(below 1: the whole worker costs less than its previous trafilatura call alone) and worker /
text_only (the worker's reads added and the selections' saving taken away, against
trafilatura's main-text extraction as released).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trafilatura import bare_extraction

from bench.measure import interleaved_cpu
from devkit.evals.titles_corpus import cases
from devkit.newsroom.generated import Dataset, Generator, Scale
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors import discard, loading
from wirehouse.extractors.page import extract_page, trafilatura_options

ROOT = Path(__file__).resolve().parents[1]

Pages = list[tuple[bytes, str]]
Run = Callable[[tuple[bytes, str]], object]


def fixture_pages() -> Pages:
    """The article pages of the repository's fixtures: the unseen gold pages, the feeds test's."""
    pages: Pages = []
    unseen = ROOT / "tests" / "fixtures" / "unseen"
    for path in sorted(unseen.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if "file" in gold:
            pages.append(((unseen / gold["file"]).read_bytes(), gold["url"]))
    feeds_page = ROOT / "tests" / "feeds" / "fixtures" / "html_page.html"
    pages.append((feeds_page.read_bytes(), "https://news.example/2025/03/18/page"))
    return pages


def title_pages(n: int) -> Pages:
    """The first `n` pages of the title corpus (small templated pages, many without a byline)."""
    return [(case.html, case.url) for case, _ in zip(cases(), range(n), strict=False)]


def newsroom_pages(n: int) -> Pages:
    """`n` article pages of the simulated newsroom, as its server would send them."""
    room = Generator(Scale(hosts=20), [Dataset("cpu", feeds=20, articles=n)])
    dataset = room.datasets["cpu"]
    return [(room.page(dataset, k, 8000), room.article_url(dataset, k, 8000)) for k in range(n)]


def variants(settings: ExtractSettings) -> dict[str, Run]:
    text_only = trafilatura_options(settings)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    with_metadata = {  # as the worker called trafilatura before
        **text_only,
        "with_metadata": True,
        "date_extraction_params": {
            "original_date": True,
            "extensive_search": False,
            "max_date": today,
        },
    }

    def released(run: Run) -> Run:
        def run_released(page: tuple[bytes, str]) -> object:
            with discard.trafilatura_own():
                return run(page)

        return run_released

    def trafilatura_alone(options: dict[str, Any]) -> Run:
        return released(
            lambda page: bare_extraction(loading.parse_html(page[0]), url=page[1], **options)
        )

    def worker(page: tuple[bytes, str]) -> object:
        return extract_page(page[0], page[1], settings=settings)

    return {
        "worker": worker,
        "worker_released": released(worker),
        "with_metadata": trafilatura_alone(with_metadata),
        "text_only": trafilatura_alone(text_only),
    }


def measure(pages: Pages, rounds: int, settings: ExtractSettings) -> dict[str, Any]:
    """Milliseconds of CPU per page of each variant, the variants interleaved page by page."""
    runs = variants(settings)
    for page in pages:  # imports, lazy tables, caches: not timed
        for run in runs.values():
            run(page)
    spent, _ = interleaved_cpu(runs, pages, rounds)
    count = rounds * len(pages)
    ms = {name: round(seconds / count * 1000, 2) for name, seconds in spent.items()}
    return {
        "pages": len(pages),
        "rounds": rounds,
        "ms_per_page": ms,
        "worker_over_released": round(spent["worker"] / spent["worker_released"], 3),
        "worker_over_with_metadata": round(spent["worker"] / spent["with_metadata"], 3),
        "worker_over_text_only": round(spent["worker"] / spent["text_only"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--titles", type=int, default=120, help="title corpus pages")
    parser.add_argument("--newsroom", type=int, default=40, help="newsroom pages")
    parser.add_argument("--out", type=Path, help="also write the results here (JSON)")
    args = parser.parse_args()
    settings = ExtractSettings(workers=1)
    results = {
        "fixtures": measure(fixture_pages(), args.rounds, settings),
        "titles": measure(title_pages(args.titles), args.rounds, settings),
        "newsroom": measure(newsroom_pages(args.newsroom), args.rounds, settings),
    }
    for name, r in results.items():
        ms = r["ms_per_page"]
        print(
            f"{name:9s} {r['pages']:4d} pages x {r['rounds']}: worker {ms['worker']:.2f} ms, "
            f"with trafilatura's own prunes {ms['worker_released']:.2f} ms "
            f"({r['worker_over_released']:.3f}), "
            f"trafilatura with metadata {ms['with_metadata']:.2f} ms, "
            f"text only {ms['text_only']:.2f} ms; worker / with metadata "
            f"{r['worker_over_with_metadata']:.3f}, worker / text only "
            f"{r['worker_over_text_only']:.3f}"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
