"""CPU of the extraction pool's pipe round trip per page, against extracting the page.

    .venv/bin/python -m bench.pool_pipe [--feeds 10] [--rounds 3]

The profile of `make bench` splits measured CPU between stages by py-spy's samples, and a
sample counts a thread that is runnable but waiting for a core as busy: a worker woken by its
pipe waits there for a core, so the pool's pipes draw more samples than they use CPU. This
measures the pipes apart, on the generated newsroom's feeds and pages: the message the pool
sends for a page (`extract_one` with the settings, and the page with its parsed feed entry)
and the reply a worker sends back (the page's real `Article`, WARC record included), pickled
and sent through a pipe to a forked process, in each side's thread CPU time; and `extract_one`
on the same pages, in turns with the pipes. The dispatcher's own bookkeeping (its `wait` over
the workers' pipes, the futures) is not in it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from datetime import UTC, datetime
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

from devkit.newsroom.generated import Dataset, Generator, Scale
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.batch import extract_one
from wirehouse.feeds.parse import parse_feed_bytes
from wirehouse.records import Page

PORT = 8000


def _pages(feeds: int) -> list[Page]:
    """The newsroom's article pages with their entries, as parsed from the newsroom's feeds."""
    room = Generator(Scale(hosts=20), [Dataset("pipe", feeds=feeds, articles=feeds * 20)])
    dataset = room.datasets["pipe"]
    now = datetime.now(UTC)
    pages = []
    for feed in range(feeds):
        url = f"http://feeds.test/{feed}.xml"
        parsed = parse_feed_bytes(room.feed(dataset, feed, PORT), url=url, now=now)
        bodies = {room.article_url(dataset, k, PORT): k for k in room.listed(dataset, feed)}
        for entry in parsed.entries:
            body = room.page(dataset, bodies[entry.url], PORT)
            pages.append(Page(entry, entry.url, body, "text/html; charset=utf-8", now))
    return pages


def _replier(conn: Connection, replies: list[tuple[bool, Any]]) -> None:
    """A worker's side: receive each call, answer with the page's reply; then the CPU spent."""
    received = sent = 0.0
    for reply in replies:
        started = time.thread_time()
        conn.recv()
        received += time.thread_time() - started
        started = time.thread_time()
        conn.send(reply)
        sent += time.thread_time() - started
    conn.send((received, sent))


def round_trips(pages: list[Page], replies: list[tuple[bool, Any]]) -> dict[str, float]:
    """Thread CPU seconds of each side of one round trip per page."""
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    worker = multiprocessing.get_context("fork").Process(target=_replier, args=(theirs, replies))
    worker.start()
    work = partial(extract_one, settings=ExtractSettings())
    sent = received = 0.0
    for page in pages:
        started = time.thread_time()
        ours.send((work, page))
        sent += time.thread_time() - started
        started = time.thread_time()
        ours.recv()
        received += time.thread_time() - started
    worker_received, worker_sent = ours.recv()
    worker.join()
    return {
        "flow process": sent + received,
        "worker": worker_received + worker_sent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10, help="20 pages each")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = _pages(args.feeds)
    settings = ExtractSettings()
    extract_s = float("inf")
    pipe = {"flow process": float("inf"), "worker": float("inf")}
    for _ in range(args.rounds):  # extraction and pipes in turns, the best round of each
        started = time.thread_time()
        replies: list[tuple[bool, Any]] = [(True, extract_one(p, settings=settings)) for p in pages]
        extract_s = min(extract_s, time.thread_time() - started)
        for side, seconds in round_trips(pages, replies).items():
            pipe[side] = min(pipe[side], seconds)
    n = len(pages)
    kb = sum(len(p.body) for p in pages) / n / 1024
    print(f"{n} newsroom pages of {kb:.0f} KB on average, best of {args.rounds} rounds")
    print(f"extract_one, ms of CPU a page                  {extract_s * 1000 / n:8.3f}")
    for side, seconds in pipe.items():
        print(f"pipe round trip, {side + ' side,':19s} ms a page {seconds * 1000 / n:8.3f}")
    both = sum(pipe.values())
    print(f"pipe round trip, both sides / extract_one      {both / extract_s:8.3f}")


if __name__ == "__main__":
    main()
