"""Headline and outlet accuracy over the generated title corpus; exits 1 below 1.0 on any pattern.

    .venv/bin/python -m devkit.evals.titles [--out bench/results/eval_titles.json]

Every case of titles_corpus.py (a `<title>` pattern, a page template, a script,
a kind of feed entry) goes through the real code path, `extract_page` then `build_article`
with its feed entry, and the stored title and sitename must equal the expected ones exactly.
Accuracy is reported per `<title>` pattern, per template and per script.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devkit.evals.titles_corpus import Case, cases
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.article import build_article
from wirehouse.extractors.page import extract_page
from wirehouse.records import Entry, Extracted, Page

ROOT = Path(__file__).resolve().parents[2]

RESULTS = ROOT / "bench" / "results" / "eval_titles.json"
FETCHED_AT = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def run_case(case: Case, settings: ExtractSettings) -> tuple[str | None, str | None, str]:
    """(title, sitename, title_source) as wirehouse would store them for this case."""
    entry = Entry(
        feed_url=f"https://{case.url.split('/')[2]}/feed",
        url=case.url,
        url_key=case.url,
        guid=None,
        title=case.entry_title,
        feed_title=case.channel_title,
    )
    result = extract_page(case.html, case.url, settings=settings)
    if not isinstance(result, Extracted):
        return None, None, f"rejected: {result.reason}"
    article = build_article(Page(entry, case.url, case.html, "text/html", FETCHED_AT), result)
    return article.title, article.sitename, article.title_source or ""


def evaluate() -> dict[str, Any]:
    """Exact-match accuracy of titles and outlets, overall and per pattern/template/script."""
    settings = ExtractSettings(workers=1)
    groups: dict[str, dict[str, list[bool]]] = {
        "pattern": defaultdict(list),
        "template": defaultdict(list),
        "script": defaultdict(list),
    }
    failures: list[dict[str, Any]] = []
    sources: dict[str, int] = defaultdict(int)
    n = 0
    for case in cases():
        n += 1
        title, sitename, source = run_case(case, settings)
        sources[source] += 1
        ok = title == case.title and sitename == case.outlet
        for group, key in (
            ("pattern", case.pattern),
            ("template", case.template),
            ("script", case.script),
        ):
            groups[group][key].append(ok)
        if not ok:
            failures.append(
                {
                    "case": case.id,
                    "pattern": case.pattern,
                    "feed": case.feed,
                    "expected": [case.title, case.outlet],
                    "got": [title, sitename, source],
                }
            )
    return {
        "cases": n,
        "accuracy": 1 - len(failures) / n if n else 0.0,
        **{
            f"by_{group}": {k: sum(v) / len(v) for k, v in sorted(per.items())}
            for group, per in groups.items()
        },
        "title_sources": dict(sorted(sources.items())),
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    result = evaluate()
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(f"title/outlet exact match over {result['cases']} cases: {result['accuracy']:.3f}")
    for group in ("pattern", "template", "script"):
        print(f"\nby {group}:")
        for key, accuracy in result[f"by_{group}"].items():
            print(f"  {accuracy:6.3f}  {key}")
    print("\ntitle_source:", ", ".join(f"{k} {v}" for k, v in result["title_sources"].items()))
    for failure in result["failures"][:20]:
        print("FAIL", json.dumps(failure, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    below = [k for k, v in result["by_pattern"].items() if v < 1.0]
    if below:
        print(f"\nbelow 1.0: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
