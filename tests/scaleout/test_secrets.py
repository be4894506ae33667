"""A DuckLake location with a password: the password is in no output, log or stored parameter.

The PostgreSQL catalog here trusts loopback, so the password in the location is accepted and
ignored by the server: a real run goes through, and everything it shows or stores is checked.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

from devkit.newsroom import Newsroom
from tests.scaleout.conftest import WIREHOUSE, feed_list, finish, run_ingest
from wirehouse.config.parameters import IngestParameters
from wirehouse.flows.deploy import ingest_deployment

PASSWORD = "Hunter2-s3cret"


async def runs_and_logs(after: datetime) -> tuple[list[Any], list[Any]]:
    async with get_client() as client:
        runs = [r for r in await client.read_flow_runs() if r.created and r.created >= after]
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[r.id for r in runs]))
        )
    return runs, logs


def test_a_run_on_a_lake_with_a_password_shows_and_stores_it_nowhere(
    prefect_api: str, postgres: Callable[[str], str], room: Newsroom, tmp_path: Path
) -> None:
    location = f"ducklake:postgres:{postgres('secretlake')} password={PASSWORD}"
    where = ["--db", location, "--data-path", str(tmp_path / "lake")]
    feeds = feed_list(tmp_path / "feeds.txt", room.feed_urls[:3])
    started = datetime.now(UTC)

    out = finish(run_ingest(prefect_api, "--feeds", str(feeds), *where))

    assert PASSWORD not in out
    assert "password=***" in out  # the summary names the warehouse, redacted
    runs, logs = asyncio.run(runs_and_logs(started))
    for run in runs:
        assert PASSWORD not in run.model_dump_json(), "a flow run parameter holds the password"
    ours = [r for r in runs if r.parameters.get("data_path") == str(tmp_path / "lake")]
    assert ours and all(r.parameters.get("db") is None for r in ours)
    assert logs and not [log.message for log in logs if PASSWORD in log.message]
    # the lake is readable through `wirehouse sql` (locked down), which shows no password either
    sql = subprocess.run(
        [WIREHOUSE, "sql", "SELECT count(*) AS n FROM articles", *where, "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sql.returncode == 0, sql.stderr
    assert int(sql.stdout.splitlines()[1]) > 0 and PASSWORD not in sql.stdout + sql.stderr


def test_an_unreachable_catalog_is_one_line_without_the_password(tmp_path: Path) -> None:
    from devkit.ports import free_port

    location = (
        f"ducklake:postgres:dbname=news host=127.0.0.1 port={free_port()} user=wirehouse "
        f"password='{PASSWORD}' connect_timeout=2"
    )
    for command in (["sql", "SELECT 1"], ["feeds"]):
        result = subprocess.run(
            [WIREHOUSE, *command, "--db", location, "--data-path", str(tmp_path / "lake")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("error: cannot open warehouse ducklake:postgres:")
        assert PASSWORD not in result.stdout + result.stderr
        assert "password=***" in result.stderr


def test_the_deployment_stores_no_password_in_its_parameters(
    prefect_api: str, tmp_path: Path
) -> None:
    location = f"ducklake:postgres:postgresql://wirehouse:{PASSWORD}@127.0.0.1:5432/news"
    deployment = ingest_deployment(
        IngestParameters(
            feeds_file=str(tmp_path / "feeds.txt"), db=location, data_path=str(tmp_path / "lake")
        ),
        interval_s=900,
    )
    deployment.name = "secret-check"
    deployment_id = deployment.apply()

    async def stored() -> dict[str, Any]:
        async with get_client() as client:
            found = await client.read_deployment(deployment_id)
            await client.delete_deployment(deployment_id)
        return json.loads(found.model_dump_json())

    record = asyncio.run(stored())
    assert PASSWORD not in json.dumps(record)
    assert record["parameters"]["db"] is None
    assert record["parameters"]["data_path"] == str(tmp_path / "lake")
