"""A hostile outlet on loopback: a feed whose pages hang an extractor or never finish.

Pages: `slow-N` take an extractor many seconds (sheer size, so they stay slow whatever regex
is fixed), `comments` is a page of empty comments that once made the sniffing regex backtrack,
`stall` sends its headers and then nothing, and `good-N` are ordinary articles, so a test can
tell the hostile from the rest.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from xml.sax.saxutils import escape

from devkit.ports import free_port
from tests.slow_pages import comment_run_page, wide_markup_page

_TOPICS = [
    ("library", "books", "readers", "opening hours"),
    ("harbour", "ferries", "fishermen", "the new pier"),
    ("hospital", "nurses", "patients", "the night ward"),
    ("school", "teachers", "pupils", "the science block"),
    ("railway", "trains", "commuters", "the morning timetable"),
]
_VERBS = ["approved", "delayed", "debated", "funded", "questioned", "welcomed", "reviewed"]
_PLACES = ["Arden", "Bexley", "Carrow", "Dunmore", "Elsby", "Fenwick", "Garth", "Holloway"]


def good_page(n: int) -> bytes:
    """An ordinary article, different in its words from every other `good_page(m)`."""
    rng = random.Random(n)
    place, (topic, things, people, detail) = _PLACES[n % len(_PLACES)], _TOPICS[n % len(_TOPICS)]
    sentences = []
    for i in range(40):
        a, b = rng.sample(_VERBS, 2)
        sentences.append(
            f"In {place} the council {a} a plan for the {topic} ({i + 7 * n}), and {people} "
            f"{b} what it means for {things} and {detail}, said resident {rng.randint(1, 10**6)}."
        )
    body = "".join(f"<p>{' '.join(sentences[i : i + 4])}</p>" for i in range(0, 40, 4))
    title = f"{place} council and the {topic}, report {n}"
    return (
        f"<html><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{body}</article></body></html>"
    ).encode()


class HostileOutlet:
    """`with HostileOutlet(slow=2, good=3) as outlet:` serves `outlet.feed_url` until the end."""

    def __init__(self, *, slow: int = 2, slow_blocks: int = 12000, good: int = 3) -> None:
        self.pages: dict[str, Callable[[], bytes] | None] = {}
        for i in range(slow):
            self.pages[f"slow-{i}"] = lambda: wide_markup_page(slow_blocks)
        self.pages["comments"] = lambda: comment_run_page(30)
        self.pages["stall"] = None
        for i in range(good):
            self.pages[f"good-{i}"] = lambda i=i: good_page(i)
        self.requested: list[str] = []
        self._cache: dict[str, bytes] = {}
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def feed_url(self) -> str:
        return f"{self.origin}/feed.xml"

    def url(self, name: str) -> str:
        return f"{self.origin}/{name}"

    def feed(self) -> bytes:
        now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
        items = "".join(
            f"<item><title>Story {escape(name)}</title><link>{self.url(name)}</link>"
            f"<guid>{self.url(name)}</guid>"
            f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate></item>"
            for i, name in enumerate(self.pages)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Hostile Gazette</title><link>{self.origin}/</link>{items}</channel></rss>"
        ).encode()

    def write_feed_entry(self) -> str:
        """The outlet's `[[feeds]]` table, to append to a feed list."""
        return f'[[feeds]]\nurl = "{self.feed_url}"\nname = "Hostile Gazette"\nenabled = true\n'

    def _body(self, name: str) -> bytes | None:
        if name not in self._cache:
            make = self.pages[name]
            if make is None:
                return None
            self._cache[name] = make()
        return self._cache[name]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.lstrip("/")
                outlet.requested.append(name)
                if name == "robots.txt":
                    self.send_error(404)
                    return
                if name == "feed.xml":
                    self._send(outlet.feed(), "application/rss+xml")
                    return
                if name not in outlet.pages:
                    self.send_error(404)
                    return
                body = outlet._body(name)
                if body is None:  # headers, then silence until the test ends
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.flush()
                    outlet._stop.wait(600)
                    return
                self._send(body, "text/html; charset=utf-8")

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self) -> Self:
        for name in self.pages:  # built before serving: a request must not wait for them
            self._body(name)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
