"""The feed list written for `make demo`, `python -m devkit.newsroom` in the foreground, and the
newsroom `wirehouse demo --once` runs as a child process."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from devkit.newsroom import Newsroom
from devkit.ports import free_port_run
from wirehouse.demo import newsroom_argv, newsroom_for_one_run
from wirehouse.errors import WirehouseError
from wirehouse.records import FeedSource

ROOT = Path(__file__).resolve().parents[2]


def test_the_feed_list_is_toml_that_makes_feed_sources(newsroom: Newsroom, tmp_path: Path) -> None:
    path = newsroom.write_feed_list(tmp_path / "config" / "feeds.toml")
    feeds = tomllib.loads(path.read_text(encoding="utf-8"))["feeds"]
    assert [feed["url"] for feed in feeds] == newsroom.feed_urls
    sources = [FeedSource(**{**feed, "tags": tuple(feed["tags"])}) for feed in feeds]
    assert all(source.enabled and "demo" in source.tags for source in sources)
    assert all(source.name for source in sources)
    assert len({source.name for source in sources}) == len(sources)


def test_running_the_module_serves_until_interrupted(tmp_path: Path) -> None:
    base = free_port_run(5)
    feeds_file = tmp_path / "feeds.toml"
    command = [sys.executable, "-m", "devkit.newsroom", "--port-base", str(base)]
    command += ["--slow-seconds", "0.1", "--feeds-file", str(feeds_file)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        assert process.stdout is not None
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                if line.startswith("Ctrl-C"):
                    break
            output = "".join(lines)
            assert f"http://127.0.0.1:{base}/feed.xml" in output
            assert httpx.get(f"http://127.0.0.1:{base}/feed.xml").status_code == 200
            assert feeds_file.exists()
            process.send_signal(signal.SIGUSR1)
            assert "edition 1 published" in process.stdout.readline()
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0


def test_the_one_run_demo_newsroom_moves_to_free_ports_when_its_own_are_taken(
    tmp_path: Path,
) -> None:
    base = free_port_run(5)
    feed_list = tmp_path / "feeds.toml"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 2))
        taken.listen()
        with newsroom_for_one_run(feed_list, port_base=base):
            urls = [feed["url"] for feed in tomllib.loads(feed_list.read_text())["feeds"]]
            assert all(urlsplit(url).port not in range(base, base + 5) for url in urls)
            assert all(httpx.get(url).status_code == 200 for url in urls)
    with pytest.raises(httpx.ConnectError):
        httpx.get(urls[0])


def test_the_demo_says_it_needs_the_repository_where_devkit_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(WirehouseError, match="clone of the repository"):
        newsroom_argv(tmp_path / "feeds.toml", port_base=None, edition_every_s=None)


def test_a_one_run_newsroom_that_never_says_it_is_ready_is_an_error_not_a_wait(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    silent = [sys.executable, "-c", "import time; time.sleep(120)"]
    monkeypatch.setattr("wirehouse.demo.newsroom_argv", lambda *args, **kwargs: silent)
    started = time.monotonic()
    with (
        pytest.raises(WirehouseError, match="did not start"),
        newsroom_for_one_run(tmp_path / "feeds.toml", port_base=free_port_run(5), timeout_s=1),
    ):
        pass
    assert time.monotonic() - started < 60  # two attempts of 1 s each, and their kills
