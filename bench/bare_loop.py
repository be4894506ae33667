"""trafilatura alone over a set of pages, one core, in a fresh interpreter: the bare loops.

    .venv/bin/python -m bench.bare_loop PAGES OPTIONS

`PAGES` is a pickled list of (url, bytes); `OPTIONS` the worker's `bare_extraction` options
as JSON. Two loops take turns page by page (`measure.interleaved_cpu`, this thread's CPU time):
``defaults``, `trafilatura.extract(body, output_format="json", with_metadata=True)`, what a
user would write, and ``options``, `bare_extraction` with the worker's options. Nothing of
wirehouse is imported, and the process has done nothing before: trafilatura runs as released,
in an interpreter whose heap holds no benchmark or flow. Prints the CPU seconds as JSON.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

from trafilatura import bare_extraction, extract
from trafilatura.settings import Document

from bench.measure import interleaved_cpu

Page = tuple[str, bytes]
# a page without date markup, whose date only dateparser reads (its first use in a process
# compiles tables for some 400 locales, seconds of CPU), with a text too short for
# trafilatura's own extractor (its rescue and stop lists): what the workers warm up on
WARM_UP: Page = (
    "https://news.warm-up.invalid/story",
    b"<html><head><title>Warm-up</title></head><body><div class='x'>"
    b"<span>Submitted by staff on Tue, 01/21/2025 - 19:03</span><br>"
    b"<p>A short sentence of warm-up text for the extractor.</p></div></body></html>",
)


def main() -> None:
    pages: list[Page] = pickle.loads(Path(sys.argv[1]).read_bytes())
    options = json.loads(sys.argv[2])

    def defaults(page: Page) -> bool:
        url, body = page
        return bool(extract(body, url=url, output_format="json", with_metadata=True))

    def with_options(page: Page) -> bool:
        url, body = page
        doc = bare_extraction(body, url=url, **options)
        return isinstance(doc, Document) and bool(doc.text)

    calls = {"defaults": defaults, "options": with_options}
    for call in calls.values():  # imports and lazy tables, as the workers' forkserver pays them
        call(pages[0])
        call(WARM_UP)
    spent, extracted = interleaved_cpu(calls, pages)
    print(json.dumps({"cpu_s": spent, "extracted": extracted}))


if __name__ == "__main__":
    if any(name.startswith("wirehouse") for name in sys.modules):
        raise SystemExit("the bare loop must run without wirehouse imported")
    main()
