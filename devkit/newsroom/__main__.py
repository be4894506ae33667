"""Run the demo newsroom in the foreground: `python -m devkit.newsroom [--port-base N]`.

Prints the feed URLs and serves until Ctrl-C or SIGTERM; `kill -USR1 <pid>` publishes the next
edition, and `--edition-every N` publishes one N seconds after a reader first fetched a feed of the
current one (the background demo's newsroom).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from devkit.newsroom.server import Newsroom
from devkit.newsroom.site import LAST_EDITION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.newsroom", description=__doc__)
    parser.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="serve the outlets on ports N, N+1, ... (default: ephemeral ports)",
    )
    parser.add_argument(
        "--slow-seconds", type=float, default=2.0, help="delay of the slow page (default 2)"
    )
    parser.add_argument(
        "--feeds-file", type=Path, default=None, help="also write the feed list (TOML) here"
    )
    parser.add_argument(
        "--edition-every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="publish the next edition SECONDS after a feed of the current one is first fetched, "
        "until the last one (default: on SIGUSR1 only)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    try:
        newsroom = Newsroom(slow_seconds=args.slow_seconds, port_base=args.port_base).start()
    except OSError as exc:
        parser.exit(1, f"cannot open the newsroom's ports: {exc}\n")
    done = threading.Event()

    def advance(signum: int, frame: FrameType | None) -> None:
        try:
            newsroom.advance()
            print(f"edition {newsroom.edition} published", flush=True)
        except RuntimeError as exc:
            print(exc, flush=True)

    def finish(signum: int, frame: FrameType | None) -> None:
        done.set()

    def publish_now_and_then(every: float) -> None:
        # later scheduled runs then find updates, new versions and a story that grows; each
        # edition's clock starts when a reader first fetches a feed of the one before, so a slow
        # first run (a busy machine) still ingests edition 0 whole
        feeds = set(newsroom.feed_urls)
        mark = 0
        while newsroom.edition < LAST_EDITION:
            while not any(url in feeds for _, url, _ in newsroom.requests()[mark:]):
                if done.wait(0.5):
                    return
            if done.wait(every):
                return
            advance(0, None)
            mark = len(newsroom.requests())

    # SIGTERM too: background jobs started by a shell ignore SIGINT
    signal.signal(signal.SIGTERM, finish)
    if hasattr(signal, "SIGUSR1"):
        signal.signal(signal.SIGUSR1, advance)
    try:
        for name, origin in newsroom.origins.items():
            print(f"{origin}  {name}")
        print("feeds:")
        for url in newsroom.feed_urls:
            print(f"  {url}")
        if args.feeds_file is not None:
            print(f"feed list written to {newsroom.write_feed_list(args.feeds_file)}")
        print("Ctrl-C stops; kill -USR1 publishes the next edition.", flush=True)
        if args.edition_every:
            threading.Thread(
                target=publish_now_and_then, args=(args.edition_every,), daemon=True
            ).start()
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        newsroom.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
