"""A DuckLake whose data live in S3-compatible object storage (moto on loopback), with its
catalog in PostgreSQL: two concurrent workers store what one stores, the Parquet files are in
the bucket, every reading command works on it, and the credentials never show."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from pprint import pformat

import pytest

from devkit.newsroom import Newsroom
from tests.scaleout.conftest import (
    ROOT,
    WIREHOUSE,
    feed_list,
    finish_all,
    ingest_into,
    overlapping_feed_lists,
)
from tests.scaleout.s3 import S3Server
from tests.scaleout.test_ducklake import KEYS, content, differences, duplicate_keys
from wirehouse.config.location import Warehouse
from wirehouse.warehouse.connection import session

# the module's lake takes three ingest runs to build (two at once), all in the first test's setup
pytestmark = pytest.mark.timeout(600)


@dataclass
class S3Lake:
    lake: Warehouse
    one: Path  # what one process over all feeds stores, in a DuckDB file
    bucket: str
    archive: Path  # the folder of the lake's raw-page archive
    outputs: list[str] = field(default_factory=list)  # everything the CLI printed


@pytest.fixture(scope="module")
def s3_lake(
    prefect_api: str,
    postgres: Callable[[str], str],
    room: Newsroom,
    s3: S3Server,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[S3Lake]:
    tmp = tmp_path_factory.mktemp("s3lake")
    urls = room.feed_urls
    bucket = s3.make_bucket("news")
    lake = Warehouse(f"ducklake:postgres:{postgres('s3news')}", f"s3://{bucket}/lake")
    one = tmp / "one.duckdb"
    found = S3Lake(lake, one, bucket, tmp / "warc")
    # the reference run goes at the same time as the two workers: they share nothing
    reference = ingest_into(prefect_api, feed_list(tmp / "all.txt", urls), one)
    # credentials only in the environment; the command line has the bucket URL alone
    # the raw pages' archive is a folder all processes of the lake share (not in the bucket)
    env = {**s3.env, "WIREHOUSE_ARCHIVE_DIR": str(tmp / "warc")}
    workers = [
        ingest_into(prefect_api, f, lake, env=env) for f in overlapping_feed_lists(tmp, urls)
    ]
    found.outputs += finish_all([reference, *workers])
    with pytest.MonkeyPatch.context() as mp:
        for name, value in s3.env.items():
            mp.setenv(name, value)
        yield found


def wirehouse(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WIREHOUSE, *args],
        cwd=cwd,
        env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_two_workers_on_an_s3_lake_store_exactly_what_one_worker_stores(
    s3_lake: S3Lake, s3: S3Server
) -> None:
    assert all(f"warehouse: {s3_lake.lake.location}" in out for out in s3_lake.outputs[1:])
    assert duplicate_keys(s3_lake.lake) == {t: 0 for t in KEYS}
    stored = content(s3_lake.lake)
    diff = differences(stored, content(s3_lake.one))
    assert not diff, pformat(diff, width=200)
    assert len(stored["articles"]) >= 20
    # the rows are in Parquet files in the bucket, under the prefix, one folder per table
    keys = s3.keys(s3_lake.bucket, "lake/")
    parquet = [k for k in keys if k.endswith(".parquet")]
    assert parquet, keys
    # (wirehouse inlines no rows in the catalog: every commit writes Parquet)
    assert all(k.startswith("lake/main/") for k in parquet), parquet
    with session(s3_lake.lake, read_only=True) as con:
        recorded = con.execute(
            "SELECT value FROM __ducklake_metadata_lake.ducklake_metadata WHERE key = 'data_path'"
        ).fetchone()
    assert recorded == (f"s3://{s3_lake.bucket}/lake/",)


def test_search_export_sql_and_the_digest_read_an_s3_lake(
    s3_lake: S3Lake, s3: S3Server, tmp_path: Path
) -> None:
    db = s3_lake.lake.location  # no --data-path: the lake recorded it, the env has the keys
    stored = content(s3_lake.lake)
    # read in this process (two loaders may group a borderline pair differently from one)
    with session(s3_lake.lake, read_only=True) as con:
        stories = con.execute("SELECT count(*) FROM stories").fetchone()[0]  # type: ignore[index]
    assert stories > 0

    sql = wirehouse(
        "sql",
        "SELECT count(*) AS n FROM stories",
        "--db",
        db,
        "--format",
        "csv",
        cwd=tmp_path,
        env=s3.env,
    )
    assert sql.returncode == 0, sql.stderr
    assert sql.stdout.split() == ["n", str(stories)]

    title = stored["articles"][0][3]
    word = max((w for w in title.split() if w.isalpha()), key=len)
    found = wirehouse("search", word, "--db", db, "--format", "json", cwd=tmp_path, env=s3.env)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert hits and any(word.lower() in h["title"].lower() for h in hits)

    exported = wirehouse(
        "export", str(tmp_path / "out"), "--format", "jsonl", "--db", db, cwd=tmp_path, env=s3.env
    )
    assert exported.returncode == 0, exported.stderr
    rows = [
        json.loads(line)
        for f in (tmp_path / "out").rglob("*.jsonl")
        for line in f.read_text().splitlines()
    ]
    assert sorted(r["article_id"] for r in rows) == sorted(a[0] for a in stored["articles"])

    digest = wirehouse("digest", "--db", db, "--hours", "100000", cwd=tmp_path, env=s3.env)
    assert digest.returncode == 0, digest.stderr
    page = (tmp_path / digest.stdout.split("digest: ", 1)[1].strip()).read_text()
    assert any(a[3] in page for a in stored["articles"])
    s3_lake.outputs += [p.stdout + p.stderr for p in (sql, found, exported, digest)]

    # without the keys in the environment, a reader is told in one line what is missing
    bare = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    denied = subprocess.run(
        [WIREHOUSE, "sql", "SELECT sum(length(text)) FROM articles", "--db", db, "--format", "csv"],
        cwd=tmp_path,
        env=bare,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert denied.returncode != 0
    assert "Traceback" not in denied.stderr


def test_reextract_runs_over_the_pages_stored_in_s3(
    s3_lake: S3Lake, s3: S3Server, tmp_path: Path, prefect_api: str
) -> None:
    before = content(s3_lake.lake)
    with session(s3_lake.lake, read_only=True) as con:
        # an article whose body came from its feed has no page to extract again
        (fetched,) = con.execute(
            "SELECT count(*) FROM articles a WHERE EXISTS (SELECT 1 FROM pages p"
            " WHERE p.article_id = a.article_id AND p.url = a.url)"
        ).fetchone()  # type: ignore[misc]
    assert 0 < fetched <= len(before["articles"])
    done = wirehouse(
        "reextract",
        "--db",
        s3_lake.lake.location,
        cwd=ROOT,
        env={
            "PREFECT_API_URL": prefect_api,
            "WIREHOUSE_ARCHIVE_DIR": str(s3_lake.archive),
            **s3.env,
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    s3_lake.outputs.append(done.stdout + done.stderr)
    assert list(s3_lake.archive.glob("*.warc.gz"))
    # every stored article's page was read back from the shared archive (its row from the
    # bucket); the extractor is the same, so nothing changed and nothing was unreadable
    assert f"re-extracted {fetched} pages: 0 articles changed" in done.stdout
    assert " 0 unreadable" in done.stdout
    assert content(s3_lake.lake) == before


def test_loading_into_an_s3_lake_without_an_archive_folder_stops_in_one_line(
    postgres: Callable[[str], str], s3: S3Server, tmp_path: Path, room: Newsroom
) -> None:
    lake = f"ducklake:postgres:{postgres('s3noarchive')}"
    data = f"s3://{s3.make_bucket('noarchive')}/lake"
    feeds = feed_list(tmp_path / "feeds.txt", room.feed_urls[:2])
    done = wirehouse(
        "ingest", "--feeds", str(feeds), "--db", lake, "--data-path", data, cwd=tmp_path, env=s3.env
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "set archive_dir (WIREHOUSE_ARCHIVE_DIR)" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "data").exists()  # no archive made up in the working directory
    with pytest.MonkeyPatch.context() as mp:
        for name, value in s3.env.items():
            mp.setenv(name, value)
        with session(Warehouse(lake), read_only=True) as con:  # no run was started
            tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
            assert "runs" not in tables or con.execute("SELECT count(*) FROM runs").fetchone() == (
                0,
            )


def test_the_s3_credentials_never_show(s3_lake: S3Lake, s3: S3Server, prefect_api: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter

    async def everything_prefect_kept() -> str:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            logs = await client.read_logs(LogFilter(), limit=200)
            more = await client.read_logs(LogFilter(), limit=200, offset=200)
        return json.dumps([r.model_dump(mode="json") for r in runs]) + "".join(
            log.message for log in [*logs, *more]
        )

    kept = asyncio.run(everything_prefect_kept())
    with session(s3_lake.lake, read_only=True) as con:
        recorded = json.dumps(con.execute("SELECT * FROM runs").fetchall(), default=str)
    assert s3_lake.lake.location in kept  # what is kept holds the runs' parameters
    for text in (*s3_lake.outputs, kept, recorded):
        assert s3.secret not in text
