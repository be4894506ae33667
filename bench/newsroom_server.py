"""Serve the simulated newsroom (`bench/newsroom.py`) over HTTP/1.1 on many loopback hosts.

    .venv/bin/python bench/newsroom_server.py --hosts 100 --dataset main:500:10000 [--latency 0.03]

One asyncio process, one listening socket per host address (127.77.x.y, all on the same port),
keep-alive, a fixed per-request latency (think time of a distant server, not CPU), ETags on
feeds and pages with 304 for a matching If-None-Match, and an allow-all robots.txt. SIGUSR1
publishes the next edition (updated articles, their feeds get a new ETag). Prints
``ready <port>`` on stdout when every host listens. Runs in its own process so that rendering
pages does not share the benchmarked process's interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.newsroom import Dataset, Newsroom, Scale, host_address  # noqa: E402

_FEED = re.compile(r"^/([a-z0-9]+)/feed/(\d+)\.xml$")
_PAGE = re.compile(r"^/([a-z0-9]+)/news/(\d+)/[a-z0-9-]+\.html$")
_ROBOTS = b"User-agent: *\nAllow: /\n"
_NOT_FOUND = b"<html><body><h1>Not found</h1></body></html>"


class NewsroomServer:
    """Answers GETs for every dataset on every host; `edition` grows on SIGUSR1."""

    def __init__(self, room: Newsroom, *, latency_s: float) -> None:
        self.room = room
        self.latency_s = latency_s
        self.edition = 0
        self.port = 0

    async def start(self) -> list[asyncio.Server]:
        first = await asyncio.start_server(self._client, host_address(0), self.port)
        self.port = first.sockets[0].getsockname()[1]
        servers = [first]
        for i in range(1, self.room.scale.hosts):
            servers.append(await asyncio.start_server(self._client, host_address(i), self.port))
        return servers

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                if self.latency_s:
                    await asyncio.sleep(self.latency_s)
                status, etag, ctype, render = self._resource(host, target.split("?", 1)[0])
                if etag is not None and etag in headers.get("if-none-match", ""):
                    status, body = 304, b""
                else:
                    body = render()
                extra = f"ETag: {etag}\r\n" if etag else ""
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\n{extra}"
                    f"Content-Length: {len(body)}\r\nCache-Control: max-age=60\r\n\r\n".encode()
                )
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def _resource(self, host: str, path: str) -> tuple[int, str | None, str, Callable[[], bytes]]:
        """(status, etag, content type, body renderer): a 304 costs no rendering."""
        if path == "/robots.txt":
            return 200, None, "text/plain", lambda: _ROBOTS
        room = self.room
        if match := _FEED.match(path):
            dataset = room.datasets.get(match[1])
            feed = int(match[2])
            on_host = dataset and host_address(room.host_of_feed(dataset, feed)) == host
            if dataset and on_host and feed < dataset.feeds:
                etag = f'"{dataset.name}-f{feed}-{self._feed_edition(dataset, feed)}"'
                edition = self.edition
                return (
                    200,
                    etag,
                    "application/rss+xml; charset=utf-8",
                    lambda: room.feed(dataset, feed, self.port, edition),
                )
        elif match := _PAGE.match(path):
            dataset = room.datasets.get(match[1])
            k = int(match[2])
            on_host = dataset and host_address(room.host_of_article(dataset, k)) == host
            if dataset and on_host and k < dataset.articles:
                shown = self.edition if room.is_updated(dataset, k, self.edition) else 0
                etag = f'"{dataset.name}-a{k}-{shown}"'
                edition = self.edition
                return (
                    200,
                    etag,
                    "text/html; charset=utf-8",
                    lambda: room.page(dataset, k, self.port, edition),
                )
        return 404, None, "text/html", lambda: _NOT_FOUND

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
    scale: Scale, datasets: list[Dataset], *, latency_s: float
) -> tuple[subprocess.Popen[str], int]:
    """Start the server in a child process; returns it and the port every host listens on."""
    args = [sys.executable, str(Path(__file__)), "--hosts", str(scale.hosts)]
    args += ["--seed", str(scale.seed), "--latency", str(latency_s)]
    args += ["--syndicated", str(scale.syndicated), "--updated", str(scale.updated)]
    for d in datasets:
        args += ["--dataset", f"{d.name}:{d.feeds}:{d.articles}:{d.day0}"]
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


async def _serve(server: NewsroomServer) -> None:
    listeners = await server.start()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, server.next_edition)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(f"ready {server.port}", flush=True)
    await stop.wait()
    for listener in listeners:
        listener.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--syndicated", type=float, default=Scale.syndicated)
    parser.add_argument("--updated", type=float, default=Scale.updated)
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per request")
    parser.add_argument("--dataset", type=parse_dataset, action="append", required=True)
    args = parser.parse_args()
    scale = Scale(args.hosts, args.seed, syndicated=args.syndicated, updated=args.updated)
    room = Newsroom(scale, args.dataset)
    asyncio.run(_serve(NewsroomServer(room, latency_s=args.latency)))


if __name__ == "__main__":
    main()
