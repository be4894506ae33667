"""Scale-out tests: a real PostgreSQL server on loopback as the DuckLake catalog, and real
`wirehouse ingest` processes writing to one lake at the same time.

PostgreSQL comes from Debian's packages (`.ci/run` installs it); `postgres.py` starts it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devkit.newsroom import Newsroom
from devkit.postgres import running_postgres
from tests.scaleout.s3 import S3Server, running_s3
from wirehouse.config.location import Warehouse

ROOT = Path(__file__).resolve().parents[2]
WIREHOUSE = str(Path(sys.executable).with_name("wirehouse"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Callable[[str], str]]:
    """A PostgreSQL server on 127.0.0.1; yields `make_db(name) -> libpq connection string`."""
    try:
        with running_postgres() as make_db:
            yield make_db
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """An S3-compatible server (moto) on 127.0.0.1 with random credentials."""
    with running_s3() as server:
        yield server


@pytest.fixture
def s3_env(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The AWS variables in this process's environment too (its own reads of the lake)."""
    for name, value in s3.env.items():
        monkeypatch.setenv(name, value)
    return s3.env


@pytest.fixture(scope="module")
def room() -> Iterator[Newsroom]:
    with Newsroom() as newsroom:
        yield newsroom


def run_ingest(
    prefect_api: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start `wirehouse ingest ARGS` as a real process (the caller waits for it)."""
    return subprocess.Popen(
        [WIREHOUSE, "ingest", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_API_URL": prefect_api,
            # small batches: many load transactions, so the two writers really interleave
            "WIREHOUSE_EXTRACT__BATCH_SIZE": "3",
            "WIREHOUSE_EXTRACT__WORKERS": "1",
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def ingest_into(
    prefect_api: str, feeds: Path, where: Warehouse | Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start `wirehouse ingest` of `feeds` into a DuckDB file or a lake (with its data path)."""
    db = ["--db", str(where)]
    if isinstance(where, Warehouse):
        db = ["--db", where.location, "--data-path", str(where.data_path)]
    return run_ingest(prefect_api, "--feeds", str(feeds), *db, env=env)


def feed_list(path: Path, urls: list[str]) -> Path:
    path.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return path


def overlapping_feed_lists(folder: Path, urls: list[str]) -> tuple[Path, Path]:
    """The first two thirds of `urls` and the last two: two workers given one each fetch,
    extract and load the middle third at the same time."""
    third = len(urls) // 3
    return feed_list(folder / "a.txt", urls[: 2 * third]), feed_list(folder / "b.txt", urls[third:])


def finish(proc: subprocess.Popen[str], timeout: float = 240) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def finish_all(procs: list[subprocess.Popen[str]], timeout: float = 240) -> list[str]:
    """Wait for every process (killing any still running if one fails), then check them."""
    try:
        outs = [p.communicate(timeout=timeout)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for p, out in zip(procs, outs, strict=True):
        assert p.returncode == 0, out
    return outs
