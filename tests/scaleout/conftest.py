"""Scale-out tests: a real PostgreSQL server on loopback as the DuckLake catalog, and real
`wirehouse ingest` processes writing to one lake at the same time.

PostgreSQL comes from Debian's packages (`.ci/run` installs it). The server is started here, in
a temporary folder on a free port, as the `postgres` user when the tests run as root (initdb
refuses root), and stopped at the end of the session.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from wirehouse.newsroom import Newsroom

ROOT = Path(__file__).resolve().parents[2]
WIREHOUSE = str(Path(sys.executable).with_name("wirehouse"))


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.fail(f"PostgreSQL's {name} is not installed: `.ci/run` installs Debian's postgresql")
    return found[-1]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Callable[[str], str]]:
    """A PostgreSQL server on 127.0.0.1; yields `make_db(name) -> libpq connection string`."""
    import psycopg

    # not under pytest's tmp dir: the `postgres` user cannot enter root's private folders
    home = Path(tempfile.mkdtemp(prefix="wirehouse-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        home.chmod(0o700)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = home / "data", free_port()
    subprocess.run(
        [*as_postgres, _pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_postgres,
            _pg_bin("pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(home / "log"),
            "-o",
            options,
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    base = f"host=127.0.0.1 port={port} user=postgres"

    def make_db(name: str) -> str:
        with psycopg.connect(f"{base} dbname=postgres", autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"dbname={name} {base}"

    try:
        yield make_db
    finally:
        subprocess.run(
            [*as_postgres, _pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(home, ignore_errors=True)


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


def finish(proc: subprocess.Popen[str], timeout: float = 240) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out
