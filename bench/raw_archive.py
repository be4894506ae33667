"""CPU and size of keeping each raw page: the WARC record the worker builds now against the
zlib blob it built before, side by side on one core, with the worker's extraction for scale.

    .venv/bin/python -m bench.raw_archive [--rounds 5] [--newsroom 200]

Pages: the repository's article fixtures and `--newsroom` generated newsroom pages, timed
page by page in turns (`bench.measure.interleaved_cpu`):

- ``zlib_blob``: `zlib.compress(page, 1)`, the blob stored in DuckDB before the archive;
- ``warc_record``: `wirehouse.warc.raw_record`, digest, WARC header and gzip member;
- ``extract_page``: the worker's extraction of the same page.

Printed: CPU per page of each, warc_record / zlib_blob, the record's share of the worker, and
the stored bytes of each against the pages' size.
"""

from __future__ import annotations

import argparse
import zlib
from datetime import UTC, datetime

from bench.extract_cpu import fixture_pages, newsroom_pages
from bench.measure import interleaved_cpu
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.page import extract_page
from wirehouse.warc import raw_record

AT = datetime(2026, 12, 6, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--newsroom", type=int, default=200)
    args = parser.parse_args()
    pages = fixture_pages() + newsroom_pages(args.newsroom)
    settings = ExtractSettings()
    spent, _ = interleaved_cpu(
        {
            "zlib_blob": lambda p: zlib.compress(p[0], 1),
            "warc_record": lambda p: raw_record(p[1], AT, "text/html", p[0]),
            "extract_page": lambda p: extract_page(p[0], p[1], settings=settings),
        },
        pages,
        args.rounds,
    )
    n = len(pages) * args.rounds
    per_page = {name: 1000 * s / n for name, s in spent.items()}
    raw = sum(len(body) for body, _ in pages)
    blob = sum(len(zlib.compress(body, 1)) for body, _ in pages)
    record = sum(len(raw_record(url, AT, "text/html", body).data) for body, url in pages)
    print(f"{len(pages)} pages, {raw / len(pages) / 1024:.1f} KiB on average, {args.rounds} rounds")
    for name, ms in per_page.items():
        print(f"  {name:<13} {ms:7.3f} ms CPU a page")
    print(f"  warc_record / zlib_blob: {per_page['warc_record'] / per_page['zlib_blob']:.2f}x CPU")
    print(
        "  warc_record / extract_page: "
        f"{100 * per_page['warc_record'] / per_page['extract_page']:.1f}% of the worker's CPU"
    )
    print(
        f"  stored bytes / page bytes: zlib_blob {blob / raw:.3f}, warc_record {record / raw:.3f}"
    )


if __name__ == "__main__":
    main()
