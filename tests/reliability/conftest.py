"""Reliability tests: real `wirehouse ingest` subprocesses against the demo newsroom.

Each run is its own process group (start_new_session), so a SIGKILL takes the extraction
workers with it, as a crash of the machine or an OOM kill would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from devkit.newsroom import Newsroom

ROOT = Path(__file__).resolve().parents[2]
WIREHOUSE = str(Path(sys.executable).with_name("wirehouse"))
# small batches: several loads (transactions) per run, so a kill can land between or inside them
RUN_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "WIREHOUSE_EXTRACT__BATCH_SIZE": "4",
    "WIREHOUSE_EXTRACT__WORKERS": "2",
}


@dataclass
class Ingest:
    proc: subprocess.Popen[str]
    log: Path

    def kill(self) -> None:
        """SIGKILL the whole process group: the CLI, the flow and its extraction workers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_ingest(prefect_api: str, tmp_path: Path) -> Iterator[Callable[..., Ingest]]:
    """Start `wirehouse ingest --feeds FILE --db PATH` as a real subprocess in its own session."""
    started: list[Ingest] = []

    def start(feeds: Path, db: Path, *, preexec_fn: Callable[[], Any] | None = None) -> Ingest:
        log = tmp_path / f"ingest-{len(started)}.log"
        env = {**os.environ, **RUN_ENV, "PREFECT_API_URL": prefect_api}
        with log.open("w") as out:
            proc = subprocess.Popen(
                [WIREHOUSE, "ingest", "--feeds", str(feeds), "--db", str(db)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
                preexec_fn=preexec_fn,
            )
        run = Ingest(proc, log)
        started.append(run)
        return run

    yield start
    for run in started:
        if run.proc.poll() is None:
            run.kill()


@pytest.fixture(scope="module")
def room() -> Iterator[Newsroom]:
    # the slow page keeps one batch waiting for 3 s: runs last long enough to be interrupted
    with Newsroom(slow_seconds=3.0) as newsroom:
        yield newsroom


@pytest.fixture
def feeds(room: Newsroom, tmp_path: Path) -> Path:
    return room.write_feed_list(tmp_path / "feeds.toml")


def wait_for(condition: Callable[[], bool], *, timeout: float, poll: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return False


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


CONTENT_TABLES = [
    "runs",
    "feeds",
    "fetches",
    "articles",
    "article_urls",
    "article_versions",
    "pages",
]


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONTENT_TABLES}


def read_pages(db: Path) -> int:
    """Articles whose page was read (not those left pending by a run that ended early)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM articles WHERE status <> 'pending'").fetchone()[0]


def assert_no_duplicate_rows(db: Path) -> None:
    checks = {
        "articles by url_key": "SELECT url_key FROM articles GROUP BY ALL HAVING count(*) > 1",
        "articles by article_id": (
            "SELECT article_id FROM articles GROUP BY ALL HAVING count(*) > 1"
        ),
        "article_urls by (url, feed_url)": (
            "SELECT url, feed_url FROM article_urls GROUP BY ALL HAVING count(*) > 1"
        ),
        "article_versions by (article_id, version)": (
            "SELECT article_id, version FROM article_versions GROUP BY ALL HAVING count(*) > 1"
        ),
        # a reprint demoted in favour of its later-arriving original keeps its versions under
        # its old id as history, and its fingerprint moves to the original; anything else is
        # an orphan
        "versions without an article": (
            "SELECT v.article_id FROM article_versions v ANTI JOIN articles a USING (article_id)"
            " WHERE v.content_hash NOT IN (SELECT s.content_hash FROM near_signatures s"
            " JOIN articles a USING (article_id))"
        ),
        "urls without an article": (
            "SELECT u.url FROM article_urls u ANTI JOIN articles a USING (article_id)"
        ),
    }
    found = {name: query(db, sql) for name, sql in checks.items()}
    assert not any(found.values()), {k: v[:5] for k, v in found.items() if v}


def assert_every_truth_article_loaded(db: Path, room: Newsroom) -> None:
    stored = {
        url for (url,) in query(db, "SELECT url FROM articles UNION SELECT url FROM article_urls")
    }
    missing = [t.url for t in room.truth if t.url not in stored]
    assert not missing, missing


def assert_warehouse_opens_read_write(db: Path) -> None:
    """The file opens for writing (replaying any WAL) and every table can be read in full."""
    with duckdb.connect(str(db)) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        for schema, table in tables:
            con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
        con.execute("CHECKPOINT")
