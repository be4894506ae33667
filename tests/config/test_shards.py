"""`--shard I/N`: N shards partition any feed list, by host, the same way on every machine."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prefect.settings import PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.config.parameters import IngestParameters
from wirehouse.config.shards import Shard, parse_shard, select_shard, shard_of
from wirehouse.errors import ConfigError
from wirehouse.flows.deploy import deployment_name, ingest_deployment
from wirehouse.records import FeedSource
from wirehouse.urls import url_origin

HOSTS = st.sampled_from(
    ["news.example", "NEWS.example", "news.example:8080", "wire.test", "b.example", "[::1]:9000"]
)
FEEDS = st.lists(
    st.builds(
        lambda scheme, host, path: FeedSource(url=f"{scheme}://{host}/{path}"),
        st.sampled_from(["http", "https"]),
        HOSTS,
        st.text("abcdefgh/-.", max_size=12),
    ),
    max_size=30,
)


@pytest.mark.parametrize(
    ("text", "shard"), [("1/1", Shard(1, 1)), ("2/3", Shard(2, 3)), (" 3 / 3 ", Shard(3, 3))]
)
def test_shards_are_numbered_from_one(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard
    assert str(shard) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "-1/3", "1", "1/3/5", "a/b", "", "1.5/3"])
def test_a_bad_shard_is_one_line(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^bad shard .*: expected I/N with 1 <= I <= N, e\.g\."):
        parse_shard(text)


@given(FEEDS, st.integers(1, 7))
def test_the_shards_partition_the_feed_list_and_keep_each_host_together(
    feeds: list[FeedSource], count: int
) -> None:
    shards = []
    for index in range(1, count + 1):
        try:
            shards.append(select_shard(feeds, Shard(index, count)))
        except ConfigError:  # an empty shard
            shards.append([])
    assert sorted(f.url for part in shards for f in part) == sorted(f.url for f in feeds)
    owner = {url_origin(f.url): i for i, part in enumerate(shards) for f in part}
    assert all(owner[url_origin(f.url)] == i for i, part in enumerate(shards) for f in part)
    assert len(owner) == len({url_origin(f.url) for f in feeds})


def test_shards_are_the_same_in_every_process() -> None:
    urls = [f"https://outlet{i}.example/feed.xml" for i in range(40)]
    here = [shard_of(url, 5) for url in urls]
    # pinned: a different hash would silently move every feed to another worker
    assert here[:10] == [1, 2, 5, 3, 3, 1, 4, 5, 3, 1]
    code = (
        f"from wirehouse.config.shards import shard_of\nprint([shard_of(u, 5) for u in {urls!r}])"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        assert out.strip() == str(here)


def test_an_empty_shard_is_one_line() -> None:
    feeds = [FeedSource(url="https://one.example/a.xml"), FeedSource(url="https://one.example/b")]
    [empty] = [i for i in (1, 2) if i != shard_of(feeds[0].url, 2)]
    with pytest.raises(ConfigError, match=rf"^shard {empty}/2 holds none of the 2 feeds .* 1 host"):
        select_shard(feeds, Shard(empty, 2))


@pytest.mark.parametrize("command", ["ingest", "serve"])
def test_the_cli_refuses_a_bad_shard_in_one_line(command: str, tmp_path) -> None:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://one.example/feed.xml\n")
    args = [command, "--feeds", str(feeds), "--db", str(tmp_path / "w.duckdb"), "--shard", "4/3"]
    # serve wants an API URL before anything else; nothing listens there, nothing is served
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "error: bad shard '4/3': expected I/N with 1 <= I <= N, e.g. 1/3"
    ]


def test_each_shard_is_its_own_deployment_with_its_shard_as_a_parameter(tmp_path) -> None:
    assert deployment_name() == "scheduled"
    deployment = ingest_deployment(
        IngestParameters(db=str(tmp_path / "w.duckdb"), shard=" 2 / 3"), interval_s=60
    )
    assert deployment.name == "scheduled-shard-2-of-3"
    assert deployment.parameters["shard"] == "2/3"


def test_a_lake_deployment_keeps_its_location_and_makes_its_data_path_absolute(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lake = "ducklake:postgres:dbname=news host=127.0.0.1"
    deployment = ingest_deployment(IngestParameters(db=lake, data_path="lake"), interval_s=60)
    assert deployment.parameters["db"] == lake
    assert deployment.parameters["data_path"] == str(tmp_path / "lake")
    remote = ingest_deployment(IngestParameters(db=lake, data_path="s3://b/x"), interval_s=60)
    assert remote.parameters["data_path"] == "s3://b/x"
