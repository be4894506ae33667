"""The documented work-pool path, end to end on one machine: `prefect work-pool create`,
`prefect deploy` of the two shard deployments in prefect.yaml, two `prefect worker start`
processes, and one scheduled run of each shard into one lake (PostgreSQL catalog, data in S3
on a loopback moto server), which then holds what one process over all feeds stores."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devkit.newsroom import Newsroom
from tests.scaleout.conftest import ROOT, feed_list, finish, ingest_into
from tests.scaleout.s3 import S3Server
from tests.scaleout.test_ducklake import KEYS, content, duplicate_keys
from wirehouse.config.location import Warehouse
from wirehouse.config.shards import shard_of
from wirehouse.warehouse.connection import session

PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "wirehouse"
SHARDS = ("scheduled-shard-1-of-2", "scheduled-shard-2-of-2")
# the schedule in prefect.yaml is every 15 minutes; the test's copy every 30 s (a shorter one
# makes the server create and cancel runs faster than a busy machine writes them)
TEST_INTERVAL_S = 30


@pytest.fixture(scope="module")
def room() -> Iterator[Newsroom]:
    """The newsroom on ports that give each of the two shards some feeds: its ports are
    random, and shards split feeds by host, so one start in sixteen puts all five in one."""
    for _ in range(20):
        with Newsroom() as newsroom:
            if {shard_of(url, 2) for url in newsroom.feed_urls} == {1, 2}:
                yield newsroom
                return
    pytest.fail("twenty newsrooms in a row put every feed in one shard")


def prefect(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [PREFECT, "--no-prompt", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], None]]:
    """Start `prefect worker start` processes (logs in tmp_path); all are killed after, with
    the flow-run processes they started (which may be in sessions of their own)."""
    started: list[subprocess.Popen[bytes]] = []
    marker = f"wirehouse-test-{uuid.uuid4().hex}"

    def start(env: dict[str, str]) -> None:
        with open(tmp_path / f"worker-{len(started) + 1}.log", "wb") as log:
            started.append(
                subprocess.Popen(
                    [PREFECT, "worker", "start", "--pool", POOL, "--type", "process"],
                    cwd=ROOT,
                    env={**env, "WIREHOUSE_TEST_WORKER": marker},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    try:
        yield start
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in _pids_with(f"WIREHOUSE_TEST_WORKER={marker}".encode()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _pids_with(entry: bytes) -> list[int]:
    """The processes whose environment holds `entry` (they inherited it from our workers)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):
            if entry in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
    return found


@pytest.mark.timeout(600)  # a reference run, two flow runs and the workers' start-up
def test_two_workers_from_a_work_pool_run_the_scheduled_shards_into_one_lake(
    prefect_api: str,
    postgres: Callable[[str], str],
    room: Newsroom,
    s3: S3Server,
    s3_env: dict[str, str],
    workers: Callable[[dict[str, str]], None],
    tmp_path: Path,
) -> None:
    feeds = feed_list(tmp_path / "feeds.txt", room.feed_urls)
    one = tmp_path / "one.duckdb"
    reference = ingest_into(prefect_api, feeds, one)

    lake = Warehouse(f"ducklake:postgres:{postgres('pooled')}", f"s3://{s3.make_bucket('pool')}/")
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PWD": str(ROOT),  # prefect.yaml's pull step runs the flow in the directory deployed from
    }
    # the copy of prefect.yaml differs only in the shards' schedule
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    for deployment in config["deployments"]:
        if deployment["name"] in SHARDS:
            deployment["schedules"] = [{"interval": TEST_INTERVAL_S}]
    prefect_file = tmp_path / "prefect.yaml"
    prefect_file.write_text(yaml.safe_dump(config))

    prefect("work-pool", "create", POOL, "--type", "process", "--overwrite", env=env)
    deploy_args = [a for name in SHARDS for a in ("--name", name)]
    prefect("deploy", "--prefect-file", str(prefect_file), *deploy_args, env=env)
    try:
        # the lake, its keys and the feed list are the workers' environment, not parameters
        worker_env = {
            **env,
            **s3.env,
            "WIREHOUSE_DB": lake.location,
            "WIREHOUSE_DATA_PATH": str(lake.data_path),
            # the raw pages' archive: a folder both workers share (a lake in S3 needs one)
            "WIREHOUSE_ARCHIVE_DIR": str(tmp_path / "warc"),
            "WIREHOUSE_FEEDS_FILE": str(feeds),
            "WIREHOUSE_EXTRACT__WORKERS": "1",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
        }
        workers(worker_env)
        workers(worker_env)
        finish(reference)
        try:
            runs = asyncio.run(_wait_for_one_completed_run_each(timeout_s=300))
        except AssertionError as exc:
            logs = "\n".join(
                f.read_text(errors="replace")[-3000:] for f in sorted(tmp_path.glob("worker-*.log"))
            )
            raise AssertionError(f"{exc}\nworker logs:\n{logs}") from None
    finally:
        asyncio.run(_delete_deployments())

    assert {r["deployment"] for r in runs} == set(SHARDS)
    assert {r["parameters"]["shard"] for r in runs} == {"1/2", "2/2"}
    for r in runs:
        assert r["parameters"]["db"] is None and r["parameters"]["data_path"] is None
        assert s3.secret not in json.dumps(r)
    assert duplicate_keys(lake) == {t: 0 for t in KEYS}
    # Shards split by host, so near copies of one story on two hosts are loaded by two
    # workers, and which copy becomes the article depends on which commits first: compare
    # every URL, page and the grouping of URLs into articles, not which copy represents it.
    assert url_groups(lake) == url_groups(one)
    got, want = content(lake), content(one)
    assert len(got["articles"]) == len(want["articles"]) and got["pages"] == want["pages"]


def url_groups(where: Warehouse | Path) -> list[list[str]]:
    with session(where, read_only=True) as con:
        rows = con.execute(
            "SELECT list(DISTINCT url ORDER BY url) FROM article_urls GROUP BY article_id"
        ).fetchall()
    return sorted(r[0] for r in rows)


async def _wait_for_one_completed_run_each(timeout_s: float) -> list[dict[str, Any]]:
    """Poll the Prefect API until each shard deployment has a Completed flow run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deadline = time.monotonic() + timeout_s
    async with get_client() as client:
        ids = {(await client.read_deployment_by_name(f"ingest/{n}")).id: n for n in SHARDS}
        while True:
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(ids)))
            )
            failed = [
                r for r in runs if r.state and r.state.is_final() and not r.state.is_completed()
            ]
            failed = [r for r in failed if r.state and r.state.type.value != "CANCELLED"]
            assert not failed, [(r.name, r.state) for r in failed]
            done = {}
            for r in runs:
                if r.state and r.state.is_completed() and r.deployment_id in ids:
                    done.setdefault(ids[r.deployment_id], r)
            if len(done) == len(SHARDS):
                return [
                    {"deployment": name, "parameters": r.parameters, "state": r.state_name}
                    for name, r in done.items()
                ]
            if time.monotonic() > deadline:
                raise AssertionError(f"no completed run of each shard in {timeout_s:.0f}s: {runs}")
            await asyncio.sleep(1)


async def _delete_deployments() -> None:
    """Stop the schedules (so no run starts after the test) and remove the pool."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        for name in SHARDS:
            try:
                deployment = await client.read_deployment_by_name(f"ingest/{name}")
            except ObjectNotFound:
                continue
            await client.pause_deployment(deployment.id)
            await client.delete_deployment(deployment.id)
        with contextlib.suppress(ObjectNotFound):
            await client.delete_work_pool(POOL)
