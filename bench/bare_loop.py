"""trafilatura alone over a set of pages, one core, in a fresh interpreter: the bare loops.

    .venv/bin/python -m bench.bare_loop PAGES OPTIONS

`PAGES` is a pickled dict: ``pages``, a list of (url, bytes), and ``warm_up``, the page the
workers' forkserver warms up on; `OPTIONS` the worker's `bare_extraction` options as JSON.
Two loops take turns page by page (`measure.interleaved_cpu`, this thread's CPU time):
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
    shipped = pickle.loads(Path(sys.argv[1]).read_bytes())
    pages: list[Page] = shipped["pages"]
    options = json.loads(sys.argv[2])

    def defaults(page: Page) -> bool:
        url, body = page
        return bool(extract(body, url=url, output_format="json", with_metadata=True))

    def with_options(page: Page) -> bool:
        url, body = page
        doc = bare_extraction(body, url=url, **options)
        return isinstance(doc, Document) and bool(doc.text)

    calls = {"defaults": defaults, "options": with_options}
    # imports and lazy tables (dateparser's first use compiles some 400 locales' tables,
    # seconds of CPU), as the workers' forkserver pays them
    for call in calls.values():
        call(pages[0])
        call(shipped["warm_up"])
    spent, extracted = interleaved_cpu(calls, pages)
    print(json.dumps({"cpu_s": spent, "extracted": extracted}))


if __name__ == "__main__":
    if any(name.startswith("wirehouse") for name in sys.modules):
        raise SystemExit("the bare loop must run without wirehouse imported")
    main()
