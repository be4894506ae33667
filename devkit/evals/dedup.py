"""Quality of near-duplicate detection and story clustering on the labelled evaluation set.

    .venv/bin/python -m devkit.evals.dedup [--batch-size N] [--out bench/results/eval_dedup.json]

The texts of tests/fixtures/eval go through the real code path, in batches in publication
order, into a temporary DuckDB warehouse: migrations, then the deduplication stage
(`dedupe_and_load`) per batch; updated pages arrive as re-fetches of their URL. Then:

- near duplicates, per decision: every URL recorded as a `near` or `exact` copy is correct when
  the article it was attached to was created by a text of the same wire group; recall is over
  every text that is a copy (each wire group's size minus one). Pairwise figures over texts
  (same article vs same wire group) are reported too.
- stories, pairwise over the rows of `articles`: two articles in one story vs of one event.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.config.settings import DedupSettings
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.records import Article, DateSource, Entry, Known
from wirehouse.warehouse.connection import open_file, transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate

ROOT = Path(__file__).resolve().parents[2]

EVAL_DIR = ROOT / "tests" / "fixtures" / "eval"
RESULTS = ROOT / "bench" / "results" / "eval_dedup.json"


@dataclass(frozen=True)
class Item:
    id: str
    outlet: str
    url: str
    published_at: datetime
    event: str
    wire_group: str | None
    kind: str
    title: str
    text: str
    version_of: str | None


def _derive(text: str, ops: dict[str, Any]) -> str:
    paragraphs = text.split("\n\n")
    for index in sorted(ops.get("drop", []), reverse=True):
        del paragraphs[index]
    text = "\n\n".join(paragraphs)
    for old, new in ops.get("replace", []):
        if old not in text:
            raise ValueError(f"eval op: {old!r} not in the text")
        text = text.replace(old, new)
    if "append" in ops:
        text = f"{text}\n\n{ops['append']}"
    return text


def load_items(root: Path = EVAL_DIR) -> list[Item]:
    """The labelled texts, derived ones built from their source by their `ops`."""
    doc = json.loads((root / "labels.json").read_text(encoding="utf-8"))
    texts: dict[str, str] = {}
    items = []
    for raw in doc["items"]:
        if "file" in raw:
            text = (root / "texts" / raw["file"]).read_text(encoding="utf-8").strip()
        else:
            text = texts[raw["from"]]
        text = _derive(text, raw.get("ops", {}))
        texts[raw["id"]] = text
        items.append(
            Item(
                id=raw["id"],
                outlet=raw["outlet"],
                url=raw["url"],
                published_at=datetime.fromisoformat(raw["published_at"].replace("Z", "+00:00")),
                event=raw["event"],
                wire_group=raw["wire_group"],
                kind=raw["kind"],
                title=raw["title"],
                text=text,
                version_of=raw.get("version_of"),
            )
        )
    return sorted(items, key=lambda i: (i.published_at, i.id))


def _article(item: Item) -> Article:
    host = item.url.split("/")[2]
    entry = Entry(
        feed_url=f"https://{host}/feed.xml",
        url=item.url,
        url_key=item.url.lower(),
        guid=None,
        title=item.title,
        published_at=item.published_at,
    )
    return Article(
        entry=entry,
        url=item.url,
        canonical_url=None,
        canonical_key=None,
        title=item.title,
        text=item.text,
        content_hash=content_hash(item.text),
        published_at=item.published_at,
        published_at_source=DateSource.FEED,
        sitename=item.outlet,
        fetched_at=item.published_at,
    )


# what one run sees of the news: a scheduled run loads hours, not months, of articles at once
_RUN_SPAN = timedelta(days=1)


def _batches(items: list[Item], size: int) -> list[list[Item]]:
    """Publication order, as runs would load them: a batch holds at most a day of news (the
    batch is stored at its newest item's time); an updated page waits for a batch after its
    first version."""
    out: list[list[Item]] = [[]]
    for item in items:
        current = out[-1]
        if (
            len(current) >= size
            or any(i.id == item.version_of for i in current)
            or (current and item.published_at - current[0].published_at > _RUN_SPAN)
        ):
            current = []
            out.append(current)
        current.append(item)
    return [b for b in out if b]


def _known(con: duckdb.DuckDBPyConnection, url_key: str) -> Known:
    row = con.execute(
        "SELECT a.article_id, a.content_hash, a.version FROM article_urls u"
        " JOIN articles a ON a.article_id = u.article_id WHERE u.url_key = ? LIMIT 1",
        [url_key],
    ).fetchone()
    if row is None:
        raise LookupError(f"eval: no stored article for updated page {url_key}")
    return Known(row[0], row[1], row[2])


def run(con: duckdb.DuckDBPyConnection, items: list[Item], batch_size: int) -> None:
    """Load the items batch by batch, as the ingest flow does."""
    settings = DedupSettings()
    for n, batch in enumerate(_batches(items, batch_size)):
        articles = [_article(i) for i in batch]
        refetched = {
            a.entry.url_key: _known(con, a.entry.url_key)
            for a, i in zip(articles, batch, strict=True)
            if i.version_of
        }
        now = max(i.published_at for i in batch)
        with transaction(con):
            dedupe_and_load(
                con, f"eval-{n}", articles, settings=settings, now=now, refetched=refetched
            )


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 1.0


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * p * r / (p + r), 4) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def score(con: duckdb.DuckDBPyConnection, items: list[Item]) -> dict[str, Any]:
    """Compare the warehouse with the labels."""
    by_url = {i.url: i for i in items if i.kind != "update"}
    url_rows = con.execute("SELECT url, article_id, match_kind FROM article_urls").fetchall()
    article_of = {url: aid for url, aid, _ in url_rows}
    kind_of = {url: kind for url, _, kind in url_rows}
    articles = con.execute("SELECT article_id, url, story_id FROM articles").fetchall()
    creator = {aid: by_url[url] for aid, url, _ in articles}

    # near duplicates, per decision
    groups: dict[str, int] = {}
    for i in by_url.values():
        if i.wire_group:
            groups[i.wire_group] = groups.get(i.wire_group, 0) + 1
    copies = sum(n - 1 for n in groups.values())
    decided, correct, wrong = 0, 0, []
    for url, item in by_url.items():
        if kind_of.get(url) not in ("near", "exact"):
            continue
        decided += 1
        origin = creator.get(article_of[url])
        if item.wire_group and origin is not None and origin.wire_group == item.wire_group:
            correct += 1
        else:
            wrong.append(item.id)
    missed = [
        i.id
        for i in by_url.values()
        if i.wire_group
        and kind_of.get(i.url) == "new"
        and any(
            o.wire_group == i.wire_group and o.id != i.id and article_of[o.url] != article_of[i.url]
            for o in by_url.values()
        )
    ]
    # near duplicates, pairwise over texts
    tp = fp = fn = 0
    for a, b in itertools.combinations(by_url.values(), 2):
        same_group = a.wire_group is not None and a.wire_group == b.wire_group
        same_article = article_of[a.url] == article_of[b.url]
        tp += same_group and same_article
        fp += same_article and not same_group
        fn += same_group and not same_article
    # stories, pairwise over articles
    stp = sfp = sfn = 0
    for (_, _, s1), (_, _, s2), (a1, a2) in (
        (x, y, (creator[x[0]], creator[y[0]])) for x, y in itertools.combinations(articles, 2)
    ):
        same_event = a1.event == a2.event
        same_story = s1 is not None and s1 == s2
        stp += same_event and same_story
        sfp += same_story and not same_event
        sfn += same_event and not same_story
    clusters: dict[str, list[str]] = {}
    for aid, _, story in articles:
        clusters.setdefault(story or "-", []).append(creator[aid].id)
    return {
        "texts": len(items),
        "articles": len(articles),
        "events": len({i.event for i in items}),
        "near_duplicates": {
            "decisions": decided,
            "correct": correct,
            "copies": copies,
            "precision": _ratio(correct, decided),
            "recall": _ratio(correct, copies),
            "wrong": sorted(wrong),
            "missed": sorted(missed),
            "pairwise": _prf(tp, fp, fn),
        },
        "stories": {
            "stories": len(clusters),
            "pairwise": _prf(stp, sfp, sfn),
            "clusters": sorted(sorted(v) for v in clusters.values()),
        },
    }


def evaluate(*, batch_size: int = 6, db_path: Path | None = None) -> dict[str, Any]:
    """Run the evaluation in a fresh warehouse and return the figures."""
    items = load_items()
    with tempfile.TemporaryDirectory() as tmp:
        path = db_path or Path(tmp) / "eval.duckdb"
        con = open_file(path)
        try:
            migrate(con)
            started = time.perf_counter()
            run(con, items, batch_size)
            elapsed = time.perf_counter() - started
            result = score(con, items)
        finally:
            con.close()
    result["batch_size"] = batch_size
    result["seconds"] = round(elapsed, 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=6)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = evaluate(batch_size=args.batch_size)
    nd, st = result["near_duplicates"], result["stories"]["pairwise"]
    print(
        f"{result['texts']} texts -> {result['articles']} articles, "
        f"{result['stories']['stories']} stories ({result['events']} events)"
    )
    print(
        f"near duplicates: precision {nd['precision']:.3f}  recall {nd['recall']:.3f}"
        f"  ({nd['correct']} correct of {nd['decisions']} decisions, {nd['copies']} copies)"
    )
    pw = nd["pairwise"]
    print(f"  pairwise over texts: precision {pw['precision']:.3f}  recall {pw['recall']:.3f}")
    if nd["wrong"] or nd["missed"]:
        print(f"  wrong: {nd['wrong']}  missed: {nd['missed']}")
    print(
        f"stories (pairwise): precision {st['precision']:.3f}  recall {st['recall']:.3f}"
        f"  F1 {st['f1']:.3f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
