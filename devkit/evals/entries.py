"""Share of feed entries kept when their pages fail, over a corpus of feed templates.

    .venv/bin/python -m devkit.evals.entries [--out bench/results/eval_entries.json]

Feeds in RSS 0.91, 0.92, 1.0 (RDF), 2.0 and Atom, in UTF-8, ISO-8859-1, windows-1252 and
UTF-16, whose entries carry no usable text (no description, empty, whitespace, empty CDATA,
a tracking pixel, an image alone, a non-breaking space, a line break) or a teaser, are served
on loopback, one origin per feed. Every article page fails: 403, 404, 500, a timeout, a PNG
where HTML was expected, a refused connection, an unknown host. The real `ingest` flow loads
them into a temporary DuckDB file; an entry is kept when its link is an `article_urls` row of
an article in `articles`. The gate is 100%.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb

from devkit.loopback import Answer, base_of, start_site, stop_sites
from devkit.ports import free_port

ROOT = Path(__file__).resolve().parents[2]

FORMATS = ("rss091", "rss092", "rss10", "rss20", "atom")
ENCODINGS = ("utf-8", "iso-8859-1", "windows-1252", "utf-16")
# what an entry's description/summary holds: every one but "teaser" has no usable text
TEXTS = {
    "absent": None,
    "empty": "",
    "whitespace": " \n\t  \n",
    "cdata_empty": "<![CDATA[]]>",
    "tracking_pixel": '<img src="https://pixel.example/t.gif?id={n}" width="1" height="1" />',
    "image_only": '<p><img src="https://img.example/photo-{n}.jpg" alt="" /></p>',
    "nbsp": "<p>&#160;</p>",
    "line_break": "<br/><br/>",
    "teaser": "Kurz gesagt: the {feed} board met on {day} and voted on the {word} plan.",
}
# how each page fails; `ok` pages are served only once a test "repairs" the origin
FAILURES = ("http_403", "http_404", "http_500", "timeout", "not_html", "refused", "dns")
# a page slower than this is a timeout: above the flow's total timeout in `RUN_ENV`
SLOW_S = 4.0
RUN_ENV = {
    "WIREHOUSE_HTTP__ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]',
    "WIREHOUSE_HTTP__TOTAL_TIMEOUT_S": "2",
    "WIREHOUSE_HTTP__READ_TIMEOUT_S": "1.5",
    "WIREHOUSE_HTTP__PER_HOST_DELAY_S": "0",
    "WIREHOUSE_EXTRACT__WORKERS": "1",
}
# the words of every generated test text (the evaluations' and tests/walls.py's)
WORDS = [
    "harbour",
    "council",
    "ferry",
    "storm",
    "tide",
    "grant",
    "budget",
    "school",
    "bridge",
    "river",
    "election",
    "mayor",
    "port",
    "fishing",
    "quota",
    "wind",
    "farm",
    "hospital",
    "nurse",
    "strike",
    "union",
    "rail",
    "timetable",
    "flood",
    "barrier",
    "museum",
    "library",
    "festival",
    "court",
    "ruling",
    "appeal",
    "tenant",
    "landlord",
    "housing",
    "survey",
    "coast",
    "guard",
    "rescue",
    "lifeboat",
    "volunteer",
    "teacher",
    "exam",
    "result",
    "market",
    "trader",
    "rent",
    "parking",
    "permit",
    "bus",
    "route",
    "cycle",
    "lane",
    "tourism",
    "hotel",
    "season",
    "weather",
    "warning",
    "gale",
    "snow",
    "frost",
    "road",
    "closure",
    "repair",
    "contract",
    "tender",
    "audit",
    "report",
    "minister",
    "visit",
    "factory",
    "jobs",
    "apprentice",
    "science",
    "lab",
    "grant",
    "telescope",
]


@dataclass
class Item:
    feed: str
    n: int
    text_kind: str
    failure: str
    link: str
    path: str
    title: str


@dataclass
class Origin:
    """One outlet: its feed document and its article pages, on its own loopback port."""

    name: str
    fmt: str
    encoding: str
    items: list[Item] = field(default_factory=list)
    feed_bytes: bytes = b""
    server: ThreadingHTTPServer | None = None
    repaired: bool = False  # serve every page as a real article from now on

    @property
    def base(self) -> str:
        assert self.server is not None
        return base_of(self.server)

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"


def paragraphs(seed: str, n: int = 5) -> list[str]:
    """`n` paragraphs of words drawn by `seed`: another seed gives another text (no copies)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + "." for _ in range(n)]


def article_html(item: Item) -> bytes:
    """A real article page for a repaired origin: distinct words per item (no copies)."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs(f"{item.feed}-{item.n}"))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(item.title)}</title></head><body><header>Menu</header>"
        f"<article><h1>{escape(item.title)}</h1>{body}</article><footer>About</footer>"
        "</body></html>"
    ).encode()


def _description(kind: str, n: int, feed: str) -> str | None:
    raw = TEXTS[kind]
    if raw is None:
        return None
    return raw.format(n=n, feed=feed, day="Tuesday", word=WORDS[n % len(WORDS)])


def _desc_element(tag: str, kind: str, n: int, feed: str) -> str:
    text = _description(kind, n, feed)
    if text is None:
        return ""
    if kind in ("empty", "whitespace", "cdata_empty", "teaser"):
        return f"<{tag}>{text}</{tag}>"
    return f"<{tag}>{escape(text)}</{tag}>"  # markup, escaped as most feeds do


def render_feed(origin: Origin) -> bytes:
    """The feed document of an origin in its format and encoding."""
    fmt, enc = origin.fmt, origin.encoding
    title = f"Le Courrier du Port – {origin.name}"
    items = origin.items
    if fmt in ("rss091", "rss092", "rss20"):
        version = {"rss091": "0.91", "rss092": "0.92", "rss20": "2.0"}[fmt]
        parts = []
        for it in items:
            extra = ""
            if fmt == "rss20":
                extra = (
                    f"<guid isPermaLink='false'>{origin.name}-{it.n}</guid>"
                    f"<pubDate>Tue, 01 Dec 2026 {8 + it.n % 10:02d}:00:00 GMT</pubDate>"
                    "<dc:creator>Zoë Müller</dc:creator><category>Région</category>"
                )
            parts.append(
                f"<item><title>{escape(it.title)}</title><link>{escape(it.link)}</link>"
                f"{_desc_element('description', it.text_kind, it.n, origin.name)}{extra}</item>"
            )
        doc = (
            f"<?xml version='1.0' encoding='{enc}'?>\n"
            f"<rss version='{version}' xmlns:dc='http://purl.org/dc/elements/1.1/'><channel>"
            f"<title>{escape(title)}</title><link>{origin.base}/</link>"
            f"<description>Nouvelles</description>{''.join(parts)}</channel></rss>"
        )
    elif fmt == "rss10":
        seq = "".join(f"<rdf:li rdf:resource='{escape(it.link)}'/>" for it in items)
        parts = [
            f"<item rdf:about='{escape(it.link)}'><title>{escape(it.title)}</title>"
            f"<link>{escape(it.link)}</link>"
            f"{_desc_element('description', it.text_kind, it.n, origin.name)}"
            f"<dc:date>2026-12-01T{8 + it.n % 10:02d}:00:00Z</dc:date></item>"
            for it in items
        ]
        doc = (
            f"<?xml version='1.0' encoding='{enc}'?>\n"
            "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
            " xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
            f"<channel rdf:about='{origin.base}/'><title>{escape(title)}</title>"
            f"<link>{origin.base}/</link><description>Journal</description>"
            f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>{''.join(parts)}</rdf:RDF>"
        )
    else:
        parts = []
        for it in items:
            summary = _desc_element("summary", it.text_kind, it.n, origin.name).replace(
                "<summary>", "<summary type='html'>"
            )
            parts.append(
                f"<entry><title>{escape(it.title)}</title><id>urn:{origin.name}:{it.n}</id>"
                f"<link rel='alternate' href='{escape(it.link)}'/>"
                f"<updated>2026-12-01T{8 + it.n % 10:02d}:00:00Z</updated>{summary}"
                "<author><name>Zoë Müller</name></author></entry>"
            )
        doc = (
            f"<?xml version='1.0' encoding='{enc}'?>\n"
            "<feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>{escape(title)}</title><id>urn:{origin.name}</id>"
            f"<updated>2026-12-01T18:00:00Z</updated>{''.join(parts)}</feed>"
        )
    return doc.encode(enc, "xmlcharrefreplace")  # as a CMS writes what its charset lacks


def _answer(origin: Origin) -> Callable[[str], Answer]:
    by_path = {it.path: it for it in origin.items}

    def answer(path: str) -> Answer:
        if path == "/feed.xml":
            return 200, "application/xml", origin.feed_bytes
        item = by_path.get(path)
        if item is None:
            return 404, "text/plain", b"not found"
        if origin.repaired:
            return 200, "text/html; charset=utf-8", article_html(item)
        if item.failure == "timeout":
            time.sleep(SLOW_S)
            return 200, "text/html", article_html(item)
        if item.failure == "not_html":
            return 200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 512
        status = int(item.failure.removeprefix("http_"))
        return status, "text/html", b"<html><body>no</body></html>"

    return answer


def build_corpus() -> list[Origin]:
    """Every format in every encoding, each feed holding every text kind; failures rotate so
    that each format meets each failure."""
    origins = [Origin(name=f"{f}-{e}", fmt=f, encoding=e) for f in FORMATS for e in ENCODINGS]
    for fi, origin in enumerate(origins):
        for n, kind in enumerate(TEXTS):
            failure = FAILURES[(fi + n) % len(FAILURES)]
            path = f"/{origin.fmt}/2026/12/01/story-{n}"
            origin.items.append(
                Item(origin.name, n, kind, failure, "", path, f"Hafen: {kind} · élu n°{n}")
            )
    return origins


@contextlib.contextmanager
def serving(origins: list[Origin], closed_port: int) -> Iterator[list[Origin]]:
    """Serve each origin on its own 127.0.0.1 port; links are set once ports are known."""
    try:
        for origin in origins:
            origin.server = start_site(_answer(origin))
        for origin in origins:
            for it in origin.items:
                if it.failure == "refused":
                    it.link = f"http://127.0.0.1:{closed_port}{it.path}"
                elif it.failure == "dns":
                    it.link = f"http://{origin.fmt}-{origin.encoding}.invalid{it.path}"
                else:
                    it.link = origin.base + it.path
            origin.feed_bytes = render_feed(origin)
        yield origins
    finally:
        stop_sites(o.server for o in origins)


def kept(db: Path, origins: list[Origin]) -> dict[str, Any]:
    """Which corpus entries have an article, overall and per text kind, format and failure."""
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(
            con.execute(
                "SELECT u.url, a.text IS NULL FROM article_urls u"
                " JOIN articles a USING (article_id)"
            ).fetchall()
        )
    items = [it for o in origins for it in o.items]
    per: dict[str, dict[str, list[int]]] = {"text": {}, "format": {}, "failure": {}}
    for o in origins:
        for it in o.items:
            hit = int(it.link in stored)
            for axis, key in (("text", it.text_kind), ("format", o.fmt), ("failure", it.failure)):
                per[axis].setdefault(key, [0, 0])
                per[axis][key][0] += hit
                per[axis][key][1] += 1
    n_kept = sum(it.link in stored for it in items)
    return {
        "entries": len(items),
        "kept": n_kept,
        "share_kept": round(n_kept / len(items), 4) if items else 0.0,
        "without_text": sum(1 for it in items if stored.get(it.link, False)),
        "per": {
            axis: {k: f"{v[0]}/{v[1]}" for k, v in sorted(d.items())} for axis, d in per.items()
        },
        "missing": sorted(it.link for it in items if it.link not in stored),
    }


def run_ingest(origins: list[Origin], db: Path) -> Any:
    from wirehouse.flows.ingest import ingest

    return asyncio.run(ingest(feeds=[o.feed_url for o in origins], db=str(db)))


@contextlib.contextmanager
def run_env(**extra: str) -> Iterator[None]:
    """`RUN_ENV` and `extra` in this process's environment for the block, then as it was."""
    wanted = {**RUN_ENV, **extra}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def evaluate(db_path: Path) -> dict[str, Any]:
    """Serve the corpus, run the flow once, and measure the share of entries kept."""
    with run_env(), serving(build_corpus(), free_port()) as origins:
        started = time.perf_counter()
        run_ingest(origins, db_path)
        result = kept(db_path, origins)
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["feeds"] = len(origins)
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/eval_entries.json")
    args = parser.parse_args()
    from wirehouse.flows.server import api_url, running_server

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "eval.duckdb"
        if os.environ.get("PREFECT_API_URL"):
            result = evaluate(db)
        else:
            port = free_port()
            with running_server(port=port, home=Path(tmp) / "prefect"):
                os.environ["PREFECT_API_URL"] = api_url(port)
                result = evaluate(db)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"entries kept when their pages fail: {result['kept']}/{result['entries']} "
        f"({result['share_kept']:.1%}) over {result['feeds']} feeds; "
        f"{result['without_text']} without text"
    )
    for axis, counts in result["per"].items():
        print(f"  by {axis}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0 if result["share_kept"] == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
