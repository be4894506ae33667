"""A throwaway PostgreSQL server on loopback, for the DuckLake catalog in tests and benchmarks.

PostgreSQL comes from Debian's packages (`.ci/run` installs it). The server runs in a fresh
folder on a free port, as the `postgres` user when we are root (initdb refuses root), with
fsync off (nothing here must survive a power cut), and is stopped and removed on exit.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from devkit.ports import free_port


def pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's `name` program."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise FileNotFoundError(
            f"PostgreSQL's {name} is not installed: `.ci/run` installs Debian's postgresql"
        )
    return found[-1]


@contextlib.contextmanager
def running_postgres() -> Iterator[Callable[[str], str]]:
    """Start a server; yield `make_db(name) -> libpq connection string` for new databases."""
    import psycopg

    # not under pytest's tmp dir: the `postgres` user cannot enter root's private folders
    home = Path(tempfile.mkdtemp(prefix="wirehouse-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        home.chmod(0o700)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = home / "data"
    port = free_port()
    pg_ctl = [*as_postgres, pg_bin("pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            [*as_postgres, pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*pg_ctl, "-l", str(home / "log"), "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
        )
        base = f"host=127.0.0.1 port={port} user=postgres"

        def make_db(name: str) -> str:
            with psycopg.connect(f"{base} dbname=postgres", autocommit=True) as con:
                con.execute(f'CREATE DATABASE "{name}"')
            return f"dbname={name} {base}"

        yield make_db
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
