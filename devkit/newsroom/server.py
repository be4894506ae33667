"""The curated newsroom on loopback: one origin per outlet, each its own 127.0.0.1 port.

Each outlet is a separate origin, as the pipeline's "a feed may only link to its own loopback
host" rule expects. The HTTP side is `http.Server`, run in a thread of this process.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from types import TracebackType

from devkit.newsroom.http import LoopThread, Resource, Server
from devkit.newsroom.model import TruthArticle
from devkit.newsroom.outlets import OUTLETS
from devkit.newsroom.site import LAST_EDITION, Site, build_site, fault_urls

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


class Newsroom:
    """Five invented outlets on loopback, their feeds and pages, and the truth about them.

    Use as a context manager, or `start()` then `stop()`. `advance()` publishes the next edition.
    """

    def __init__(self, *, slow_seconds: float = 2.0, port_base: int | None = None) -> None:
        self._port_base = port_base
        self._loop: LoopThread | None = None
        self._server = Server(self._lookup, slow_seconds=slow_seconds)
        self._origins: dict[str, str] = {}
        self._outlet_at: dict[str, str] = {}
        self._site: Site | None = None
        self._lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Newsroom:
        """Bind every outlet to 127.0.0.1 and serve edition 0 from a background thread."""
        if self._loop is not None:
            raise RuntimeError("the newsroom is already running")
        self._loop = LoopThread("newsroom")
        self._origins.clear()
        self._outlet_at.clear()
        try:
            for index, outlet in enumerate(OUTLETS):
                port = 0 if self._port_base is None else self._port_base + index
                origin = self._loop.run(self._server.listen(HOST, port))
                self._origins[outlet.slug] = origin
                self._outlet_at[origin] = outlet.slug
            self._site = build_site(0, self._origins)
        except BaseException:
            self.stop()
            raise
        logger.info("newsroom started: %s", ", ".join(self._origins.values()))
        return self

    def stop(self) -> None:
        """Stop serving and release the ports; safe to call twice."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.run(self._server.close())
            loop.stop()

    def __enter__(self) -> Newsroom:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests and the demo read --------------------------------------------------------

    @property
    def origins(self) -> dict[str, str]:
        """Outlet name -> `http://127.0.0.1:PORT`."""
        self._require_site()
        return {outlet.name: self._origins[outlet.slug] for outlet in OUTLETS}

    @property
    def feed_urls(self) -> list[str]:
        """Every feed, including the broken one."""
        self._require_site()
        return [self._origins[o.slug] + spec.path for o in OUTLETS for spec in o.feeds]

    @property
    def truth(self) -> list[TruthArticle]:
        """Every article page of the current edition, as a perfect pipeline would see it."""
        return list(self._require_site().truth)

    @property
    def faults(self) -> dict[str, str]:
        """broken_feed, missing_page, slow_page, pdf and tracking_link URLs."""
        self._require_site()
        return fault_urls(self._origins)

    @property
    def edition(self) -> int:
        return self._require_site().edition

    def advance(self) -> None:
        """Publish the next edition: one article rewritten at its URL, one new article."""
        with self._lock:
            site = self._require_site()
            if site.edition >= LAST_EDITION:
                raise RuntimeError(f"the newsroom has no edition after {LAST_EDITION}")
            self._site = build_site(site.edition + 1, self._origins)
        logger.info("newsroom advanced to edition %d", site.edition + 1)

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, url, status) of every request served so far, oldest first."""
        return self._server.requests()

    def write_feed_list(self, path: Path) -> Path:
        """Write the feeds as a wirehouse feed list (TOML) so `make demo` can ingest them."""
        self._require_site()
        lines = ["# Demo newsroom feeds, written by devkit.newsroom; ports change per run.", ""]
        for outlet in OUTLETS:
            for spec in outlet.feeds:
                tags = ", ".join(json.dumps(tag) for tag in spec.tags)
                lines += [
                    "[[feeds]]",
                    f"url = {json.dumps(self._origins[outlet.slug] + spec.path)}",
                    f"name = {json.dumps(spec.name or outlet.name, ensure_ascii=False)}",
                    "enabled = true",
                    f"tags = [{tags}]",
                ]
                if spec.interval_minutes is not None:
                    lines.append(f"interval_minutes = {spec.interval_minutes}")
                lines.append("")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    # --- used by the server ----------------------------------------------------------------

    def _require_site(self) -> Site:
        site = self._site
        if site is None:
            raise RuntimeError("the newsroom is not running: call start() first")
        return site

    def _lookup(self, origin: str, path: str) -> Resource | None:
        site, outlet = self._site, self._outlet_at.get(origin)
        return site.resources[outlet].get(path) if site is not None and outlet else None
