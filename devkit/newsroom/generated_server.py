"""Serve the generated newsroom (`generated.py`) on many loopback hosts, in its own process.

    .venv/bin/python -m devkit.newsroom.generated_server --hosts 100 --dataset main:500:10000

`http.Server` on one port of every host address (127.77.x.y), a fixed per-request latency
(think time of a distant server, not CPU), ETags on feeds and pages and an allow-all robots.txt.
SIGUSR1 publishes the next edition (updated articles, their feeds get a new ETag).
``--prerender`` renders every first-edition page before it is ready, so that a benchmarked run
does not share the machine's cores with page rendering (a distant server's CPU is not the
client's). Prints ``ready <port>`` on stdout when every host listens. Runs in its own process
so that rendering pages does not share the benchmarked process's interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import subprocess
import sys
from functools import partial

from devkit.newsroom.generated import Dataset, Generator, Scale, host_address
from devkit.newsroom.http import Resource, Server

_FEED = re.compile(r"^/([a-z0-9]+)/feed/(\d+)\.xml$")
_PAGE = re.compile(r"^/([a-z0-9]+)/news/(\d+)/[a-z0-9-]+\.html$")
_ROBOTS = b"User-agent: *\nAllow: /\n"


class GeneratedSite:
    """Every dataset's feeds and pages on their own hosts; `edition` grows on SIGUSR1."""

    def __init__(self, room: Generator) -> None:
        self.room = room
        self.edition = 0
        self.port = 0
        self.rendered: dict[tuple[str, int, int], bytes] = {}  # (dataset, article, edition)

    def prerender(self) -> None:
        """Render every article's first edition now (the port must be known)."""
        for dataset in self.room.datasets.values():
            for k in range(dataset.articles):
                self.rendered[(dataset.name, k, 0)] = self.room.page(dataset, k, self.port)

    def lookup(self, origin: str, path: str) -> Resource | None:
        """The resource at `path` on the host of `origin`; a 304 costs no rendering."""
        host = origin.removeprefix("http://").rsplit(":", 1)[0]
        if path == "/robots.txt":
            return Resource('"robots"', "text/plain", lambda: _ROBOTS)
        room, edition = self.room, self.edition
        if match := _FEED.match(path):
            dataset = room.datasets.get(match[1])
            feed = int(match[2])
            on_host = dataset and host_address(room.host_of_feed(dataset, feed)) == host
            if dataset and on_host and feed < dataset.feeds:
                etag = f'"{dataset.name}-f{feed}-{self._feed_edition(dataset, feed)}"'
                return Resource(
                    etag,
                    "application/rss+xml; charset=utf-8",
                    partial(room.feed, dataset, feed, self.port, edition),
                )
        elif match := _PAGE.match(path):
            dataset = room.datasets.get(match[1])
            k = int(match[2])
            on_host = dataset and host_address(room.host_of_article(dataset, k)) == host
            if dataset and on_host and k < dataset.articles:
                shown = edition if room.is_updated(dataset, k, edition) else 0
                body = self.rendered.get((dataset.name, k, shown))
                return Resource(
                    f'"{dataset.name}-a{k}-{shown}"',
                    "text/html; charset=utf-8",
                    partial(room.page, dataset, k, self.port, edition)
                    if body is None
                    else lambda: body,
                )
        return None

    def _feed_edition(self, dataset: Dataset, feed: int) -> int:
        """The edition whose changes this feed shows (0 while none of its articles changed)."""
        updated = any(
            self.room.is_updated(dataset, k, self.edition) for k in self.room.listed(dataset, feed)
        )
        return self.edition if updated else 0

    def next_edition(self) -> None:
        self.edition += 1


def parse_dataset(text: str) -> Dataset:
    """``name:feeds:articles[:day0]``."""
    name, feeds, articles, *day0 = text.split(":")
    return Dataset(name, int(feeds), int(articles), int(day0[0]) if day0 else 0)


def start_process(
    scale: Scale, datasets: list[Dataset], *, latency_s: float, prerender: bool = False
) -> tuple[subprocess.Popen[str], int]:
    """Start the server in a child process; returns it and the port every host listens on."""
    args = [sys.executable, "-m", "devkit.newsroom.generated_server", "--hosts", str(scale.hosts)]
    args += ["--seed", str(scale.seed), "--latency", str(latency_s)]
    args += ["--syndicated", str(scale.syndicated), "--updated", str(scale.updated)]
    for d in datasets:
        args += ["--dataset", f"{d.name}:{d.feeds}:{d.articles}:{d.day0}"]
    if prerender:
        args.append("--prerender")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "ready":
        proc.kill()
        raise RuntimeError(f"newsroom server did not start: {line}")
    return proc, int(line[1])


def stop_process(proc: subprocess.Popen[str]) -> None:
    """Stop a server started by `start_process` and close its pipe."""
    proc.terminate()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


async def _serve(site: GeneratedSite, latency_s: float, *, prerender: bool) -> None:
    server = Server(site.lookup, latency_s=latency_s, keep_log=False)
    first = await server.listen(host_address(0), 0)
    site.port = int(first.rsplit(":", 1)[1])
    for i in range(1, site.room.scale.hosts):
        await server.listen(host_address(i), site.port)
    if prerender:
        site.prerender()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, site.next_edition)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(f"ready {site.port}", flush=True)
    await stop.wait()
    await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--syndicated", type=float, default=Scale().syndicated)
    parser.add_argument("--updated", type=float, default=Scale().updated)
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per request")
    parser.add_argument("--dataset", type=parse_dataset, action="append", required=True)
    parser.add_argument("--prerender", action="store_true", help="render every page up front")
    args = parser.parse_args()
    scale = Scale(args.hosts, args.seed, syndicated=args.syndicated, updated=args.updated)
    site = GeneratedSite(Generator(scale, args.dataset))
    asyncio.run(_serve(site, args.latency, prerender=args.prerender))


if __name__ == "__main__":
    main()
