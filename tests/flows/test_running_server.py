"""A one-off `wirehouse ingest` with no PREFECT_API_URL uses a Prefect server already answering
on the default local port, and Prefect's temporary server only when none answers.

The tests' server listens on a free port, not 4200 (the machine may run its own), so each CLI
process here is told that port is the default one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from devkit.newsroom import Newsroom
from devkit.ports import free_port
from wirehouse.flows import server
from wirehouse.warehouse.connection import session

# the CLI, with `wirehouse.flows.server.DEFAULT_PORT` set to argv[1] first
CLI = [
    sys.executable,
    "-c",
    "import sys; import wirehouse.flows.server as s; s.DEFAULT_PORT = int(sys.argv.pop(1));"
    " from wirehouse.cli import app; app(prog_name='wirehouse')",
]


@pytest.fixture(scope="module")
def feed():
    with Newsroom(slow_seconds=0.1) as room:
        yield room.feed_urls[0]


def _ingest(tmp_path: Path, feed: str, *, default_port: int) -> tuple[str, Path]:
    """A one-off ingest in its own process with no API URL and an empty Prefect home (so no
    profile names a server); returns its flow run id (from the warehouse) and the home."""
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(home)
    db = tmp_path / "w.duckdb"
    result = subprocess.run(
        [*CLI, str(default_port), "ingest", "--feed", feed, "--db", str(db)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stderr
    with session(db, read_only=True) as con:
        rows = con.execute("SELECT flow_run_id, status FROM runs").fetchall()
    assert len(rows) == 1 and rows[0][1] == "completed", rows
    return str(rows[0][0]), home


async def _known_to(api: str, flow_run_id: str) -> bool:
    async with get_client() as client:
        assert str(client.api_url).rstrip("/") == api
        try:
            await client.read_flow_run(UUID(flow_run_id))
        except ObjectNotFound:
            return False
        return True


def test_a_server_answering_on_the_default_port_records_the_run(prefect_api, feed, tmp_path):
    port = int(prefect_api.rsplit(":", 1)[1].split("/")[0])
    flow_run_id, home = _ingest(tmp_path, feed, default_port=port)
    assert asyncio.run(_known_to(prefect_api, flow_run_id))
    assert not (home / "prefect.db").exists()  # no temporary server made its database


def test_with_none_answering_the_temporary_server_runs_it(prefect_api, feed, tmp_path):
    flow_run_id, home = _ingest(tmp_path, feed, default_port=free_port())
    assert (home / "prefect.db").exists()  # the temporary server's database
    assert not asyncio.run(_known_to(prefect_api, flow_run_id))


def test_an_api_url_set_even_empty_is_left_alone(prefect_api, monkeypatch):
    port = int(prefect_api.rsplit(":", 1)[1].split("/")[0])
    monkeypatch.setattr(server, "DEFAULT_PORT", port)
    monkeypatch.setenv("PREFECT_API_URL", "")  # the user's choice: Prefect's temporary server
    assert server.use_running_server() is None
    assert os.environ["PREFECT_API_URL"] == ""
