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
    for call in calls.values():
        call(pages[0])  # imports and lazy tables: not timed
    spent, extracted = interleaved_cpu(calls, pages)
    print(json.dumps({"cpu_s": spent, "extracted": extracted}))


if __name__ == "__main__":
    assert not any(name.startswith("wirehouse") for name in sys.modules)
    main()
