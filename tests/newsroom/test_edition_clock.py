"""`python -m devkit.newsroom --edition-every N`, the background demo's newsroom: a new edition
N seconds after a reader first fetched a feed of the current one, never before anyone read it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from devkit.newsroom.site import LAST_EDITION


def test_editions_follow_the_readers_until_the_last(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devkit.newsroom",
            "--edition-every",
            "1",
            "--feeds-file",
            str(tmp_path / "feeds.toml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()

    def next_line(containing: str, timeout_s: float) -> str | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if containing in line:
                return line
        return None

    try:
        assert next_line("feeds:", 60)
        feed = next_line("/", 10)
        assert feed is not None
        feed = feed.strip()
        assert next_line("Ctrl-C stops", 10)
        # nobody has read edition 0 yet: it stays, however long the wait
        assert next_line("published", 3) is None
        for edition in range(1, LAST_EDITION + 1):
            assert httpx.get(feed, timeout=10).status_code == 200
            assert next_line(f"edition {edition} published", 15), edition
        httpx.get(feed, timeout=10)
        assert next_line("published", 3) is None  # no edition after the last
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        proc.stdout.close()
