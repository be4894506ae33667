"""`wirehouse serve` end to end: a real serve process, a real Prefect server, the demo newsroom.

The schedule fires every 5 s while a run takes longer, so this also shows that runs of the
deployment never overlap and that each one publishes its summary for the UI.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    DeploymentFilter,
    DeploymentFilterId,
)
from prefect.client.schemas.objects import FlowRun

from devkit.newsroom import Newsroom
from devkit.ports import free_port
from tests.flows.test_running_server import CLI
from wirehouse.flows.artifacts import FAILURES_KEY, SUMMARY_KEY
from wirehouse.warehouse.connection import session

WIREHOUSE = [sys.executable, "-m", "wirehouse.cli"]
DEADLINE_S = 90


def serve_env(api: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREFECT_API_URL=api,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # the runner asks for due runs every 10 s by default: 2 s keeps this test short
        PREFECT_RUNNER_POLL_FREQUENCY="2",
        # and submits runs due in the next 10 s at once, so a run that comes due just after
        # another ends is cancelled by the concurrency limit before it: submit them on time
        PREFECT_RUNNER_PREFETCH_SECONDS="1",
    )
    return env


def number(markdown: str, label: str) -> int:
    """A count from the summary's tables, e.g. `| not modified | 5 |` -> 5."""
    found = re.search(rf"^\| {re.escape(label)} \| (\d+) \|$", markdown, re.M)
    assert found, f"no {label!r} row in:\n{markdown}"
    return int(found.group(1))


async def deployment_runs(name: str) -> list[FlowRun]:
    async with get_client() as client:
        try:
            deployment = await client.read_deployment_by_name(name)
        except Exception:  # not created yet: the serve process is still starting
            return []
        return await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        )


async def artifacts_of(run_id: Any, key: str) -> list[Any]:
    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]),
            )
        )


def wait_for_completed(count: int, proc: subprocess.Popen[bytes], log: Path) -> list[FlowRun]:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited early:\n{log.read_text()}"
        runs = asyncio.run(deployment_runs("ingest/scheduled"))
        completed = [r for r in runs if r.state is not None and r.state.is_completed()]
        if len(completed) >= count:
            return sorted(completed, key=lambda r: r.start_time or r.expected_start_time)
        failed = [r for r in runs if r.state is not None and r.state.is_failed()]
        assert not failed, [r.state.message for r in failed if r.state]
        time.sleep(1)
    raise AssertionError(f"fewer than {count} completed runs in {DEADLINE_S}s:\n{log.read_text()}")


def test_serve_runs_ingest_on_schedule_one_at_a_time_and_publishes_summaries(prefect_api, tmp_path):
    db = tmp_path / "wirehouse.duckdb"
    log = tmp_path / "serve.log"
    with Newsroom(slow_seconds=0.1) as room:
        feeds = room.write_feed_list(tmp_path / "feeds.toml")
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [*WIREHOUSE, "serve", "--interval", "5", "--feeds", str(feeds), "--db", str(db)],
                env=serve_env(prefect_api),
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            completed = wait_for_completed(2, proc, log)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
    assert code == 0, log.read_text()
    assert "serving ingest/scheduled (every 5 s)" in log.read_text()

    # one at a time: each completed run ended before the next one started
    for earlier, later in itertools.pairwise(completed):
        assert earlier.end_time and later.start_time and earlier.end_time <= later.start_time
    assert all(r.parameters["db"] == str(db) for r in completed)

    summaries = [asyncio.run(artifacts_of(r.id, SUMMARY_KEY)) for r in completed]
    assert all(len(s) == 1 for s in summaries), summaries
    first, second = (s[0].data for s in summaries[:2])
    assert number(first, "fetched") >= 4 and number(first, "new articles") > 0
    # the second run asked with validators: every due feed answered 304, no page was fetched
    assert number(second, "fetched") == 0 and number(second, "new articles") == 0
    assert number(second, "not modified") + number(second, "not due") == len(room.feed_urls)
    assert number(second, "not modified") >= 4
    failures = asyncio.run(artifacts_of(completed[0].id, FAILURES_KEY))
    assert len(failures) == 1 and failures[0].type == "table"
    assert '"reason": "http_404"' in failures[0].data
    assert room.faults["missing_page"] in failures[0].data
    assert re.search(r"^\| http_404 \| 1 \|$", first, re.M)

    # the warehouse's `runs` rows point at the Prefect flow runs that wrote them
    all_runs = {str(r.id) for r in asyncio.run(deployment_runs("ingest/scheduled"))}
    with session(db, read_only=True, wait_s=30) as con:
        rows = dict(con.execute("SELECT flow_run_id, status FROM runs").fetchall())
    assert {str(r.id) for r in completed} <= {k for k, v in rows.items() if v == "completed"}
    assert set(rows) <= all_runs


def test_serve_without_a_prefect_server_says_how_to_start_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no profile with an API URL either
    # the default port is a closed one: a server the machine runs on 4200 would answer there
    result = subprocess.run(
        [*CLI, str(free_port()), "serve", "--interval", "5", "--db", str(tmp_path / "w.duckdb")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "wirehouse server" in result.stderr and "PREFECT_API_URL" in result.stderr
