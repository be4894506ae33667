"""The S3 settings a lake's connection takes from the standard AWS environment variables, and
the data-path URLs it accepts: the forms real deployments use (AWS, MinIO/Ceph over http or
https, R2-style custom hosts, temporary credentials), and the mistakes that must fail early."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from wirehouse.config.location import Warehouse, check_data_path
from wirehouse.errors import ConfigError, WarehouseError
from wirehouse.warehouse.extensions import load_extension
from wirehouse.warehouse.objectstore import (
    S3Config,
    create_s3_secret,
    s3_config_from_env,
    scrub,
    secret_sql,
)

KEYS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalr/XUtn+FEMI=K7MDENG"}


@pytest.mark.parametrize(
    ("env", "endpoint", "ssl", "path_style", "region"),
    [
        ({}, None, True, False, None),  # AWS itself: virtual-hosted URLs over TLS
        ({"AWS_REGION": "eu-central-1"}, None, True, False, "eu-central-1"),
        ({"AWS_DEFAULT_REGION": "us-west-2"}, None, True, False, "us-west-2"),
        (
            {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"},
            None,
            True,
            False,
            "eu-west-1",
        ),
        ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9000"}, "127.0.0.1:9000", False, True, None),
        (
            {"AWS_ENDPOINT_URL": "http://minio.internal:9000/"},
            "minio.internal:9000",
            False,
            True,
            None,
        ),
        ({"AWS_ENDPOINT_URL": "https://s3.ceph.example"}, "s3.ceph.example", True, True, None),
        (
            {"AWS_ENDPOINT_URL": "acct.r2.cloudflarestorage.com"},
            "acct.r2.cloudflarestorage.com",
            True,
            True,
            None,
        ),
        ({"AWS_ENDPOINT_URL": "http://[::1]:9000"}, "[::1]:9000", False, True, None),
        # the S3-specific variable wins over the general one, as in the AWS SDKs
        (
            {
                "AWS_ENDPOINT_URL": "https://other.example",
                "AWS_ENDPOINT_URL_S3": "http://s3.lan:80",
            },
            "s3.lan:80",
            False,
            True,
            None,
        ),
    ],
)
def test_the_aws_variables_become_one_s3_configuration(
    env: dict[str, str], endpoint: str | None, ssl: bool, path_style: bool, region: str | None
) -> None:
    config = s3_config_from_env({**KEYS, **env})
    assert config is not None
    assert (config.endpoint, config.use_ssl, config.path_style, config.region) == (
        endpoint,
        ssl,
        path_style,
        region,
    )
    assert (config.key_id, config.secret) == (
        KEYS["AWS_ACCESS_KEY_ID"],
        KEYS["AWS_SECRET_ACCESS_KEY"],
    )


def test_no_aws_variables_means_no_object_storage() -> None:
    assert s3_config_from_env({}) is None
    assert s3_config_from_env({"AWS_REGION": "eu-west-1", "HOME": "/root"}) is None
    assert s3_config_from_env({"AWS_ACCESS_KEY_ID": "  ", "AWS_SECRET_ACCESS_KEY": ""}) is None


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
        {"AWS_SECRET_ACCESS_KEY": "only-the-secret"},
        {**KEYS, "AWS_ENDPOINT_URL": "ftp://127.0.0.1:21"},
        {**KEYS, "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/some/path"},
        {**KEYS, "AWS_ENDPOINT_URL": "http://user:pw@127.0.0.1:9000"},
        {**KEYS, "AWS_ENDPOINT_URL": "http://"},
    ],
)
def test_incomplete_or_malformed_aws_variables_fail_in_one_line_without_the_secret(
    env: dict[str, str],
) -> None:
    with pytest.raises(ConfigError) as caught:
        s3_config_from_env(env)
    message = str(caught.value)
    assert "\n" not in message
    for value in ("only-the-secret", KEYS["AWS_SECRET_ACCESS_KEY"], "pw@"):
        assert value not in message


def test_the_secret_and_token_never_show_in_repr_or_scrubbed_text() -> None:
    config = s3_config_from_env({**KEYS, "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEBY-token"})
    assert config is not None
    assert config.session_token == "FwoGZXIvYXdzEBY-token"
    shown = repr(config)
    assert KEYS["AWS_SECRET_ACCESS_KEY"] not in shown and "FwoGZXIvYXdzEBY" not in shown
    leaked = f"error near '{KEYS['AWS_SECRET_ACCESS_KEY']}' and 'FwoGZXIvYXdzEBY-token'"
    assert scrub(leaked, config) == "error near '***' and '***'"


@pytest.mark.parametrize(
    "config",
    [
        S3Config(
            key_id="AKIA",
            secret="s3cr'et",
            region="us-east-1",
            endpoint="127.0.0.1:9000",
            use_ssl=False,
            path_style=True,
        ),
        S3Config(key_id="AKIA", secret="x", session_token="tok", region="eu-west-1"),
        S3Config(endpoint="minio:9000", use_ssl=True, path_style=True),
    ],
)
def test_the_secret_is_a_duckdb_s3_secret_that_duckdb_accepts(config: S3Config) -> None:
    con = duckdb.connect()
    load_extension(con, "httpfs")
    create_s3_secret(con, config)
    (secret,) = con.execute("SELECT type, scope, secret_string FROM duckdb_secrets()").fetchall()
    assert secret[0] == "s3" and "s3://" in secret[1]
    described = dict(kv.split("=", 1) for kv in secret[2].split(";"))
    assert described.get("use_ssl") == str(config.use_ssl).lower()
    if config.endpoint:
        assert described["endpoint"] == config.endpoint
    if config.region:
        assert described["region"] == config.region
    if config.path_style:
        assert described["url_style"] == "path"
    if config.secret:  # DuckDB shows secrets redacted, never the value
        assert described["secret"] == "redacted"
    assert "s3cr'et" not in secret[2]


def test_a_secret_duckdb_refuses_is_reported_without_the_secret() -> None:
    con = duckdb.connect()  # no httpfs loaded: DuckDB cannot create an s3 secret
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    config = S3Config(key_id="AKIA", secret="very-secret-value")
    assert "very-secret-value" in secret_sql(config)
    with pytest.raises(WarehouseError) as caught:
        create_s3_secret(con, config)
    assert "very-secret-value" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("given", "recorded"),
    [
        ("s3://news/lake", "s3://news/lake/"),
        ("s3://news/lake/", "s3://news/lake/"),
        ("s3://news", "s3://news/"),
        ("s3a://news/a/b", "s3a://news/a/b/"),
        ("S3://news/x", "S3://news/x/"),
    ],
)
def test_an_s3_data_path_is_normalised_as_ducklake_records_it(given: str, recorded: str) -> None:
    assert check_data_path(given) == recorded
    lake = Warehouse("ducklake:postgres:dbname=news host=127.0.0.1", given)
    assert lake.data_path == recorded
    assert lake.local_data_path is None


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("gs://bucket/lake", "not supported"),
        ("http://127.0.0.1:9000/news", "not supported"),
        ("s3:///lake", "names no bucket"),
        ("s3://AKIA:secret@news/lake", "holds credentials"),
        ("s3://news/lake?versionId=3", "query or fragment"),
    ],
)
def test_a_bad_data_path_url_fails_in_one_line(given: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        Warehouse("ducklake:postgres:dbname=news", given)
    assert "secret" not in str(caught.value).replace("credentials", "")


def test_a_local_data_path_is_left_as_it_is(tmp_path: Path) -> None:
    lake = Warehouse("ducklake:postgres:dbname=news", str(tmp_path / "lake"))
    assert lake.data_path == str(tmp_path / "lake")
    assert lake.local_data_path == tmp_path / "lake"
