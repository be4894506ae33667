"""A DuckLake's data in S3-compatible object storage (AWS S3, MinIO, Ceph, R2, moto).

The endpoint, region and credentials come from the standard AWS environment variables, as for
every S3 tool, and become a DuckDB secret in the connection's memory: never a command-line
flag, a Prefect parameter, a log line or an error message. Only the `s3://bucket/prefix` URL,
which holds no secret, travels as the data path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import duckdb

from wirehouse.errors import ConfigError, WarehouseError
from wirehouse.warehouse.sqltext import first_line, quote_literal

# what the AWS CLI and SDKs read, most specific first
ENDPOINT_VARS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")


@dataclass(frozen=True, slots=True)
class S3Config:
    """Where and as whom to reach S3; `repr` never shows the secret key or session token."""

    key_id: str | None = None
    secret: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    region: str | None = None
    endpoint: str | None = None  # host[:port], no scheme: what DuckDB's ENDPOINT takes
    use_ssl: bool = True
    path_style: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values that must never be shown (for scrubbing messages)."""
        return tuple(v for v in (self.secret, self.session_token) if v)


def s3_config_from_env(env: Mapping[str, str]) -> S3Config | None:
    """The S3 settings in these environment variables, or None when none is set."""

    def first(names: tuple[str, ...]) -> str | None:
        return next((env[n].strip() for n in names if env.get(n, "").strip()), None)

    key_id = first(("AWS_ACCESS_KEY_ID",))
    secret = first(("AWS_SECRET_ACCESS_KEY",))
    endpoint_url = first(ENDPOINT_VARS)
    if not (key_id or secret or endpoint_url):
        return None
    if bool(key_id) != bool(secret):
        raise ConfigError("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
    endpoint, use_ssl = None, True
    if endpoint_url:
        url = urlsplit(endpoint_url if "://" in endpoint_url else f"https://{endpoint_url}")
        if url.scheme not in ("http", "https") or not url.netloc or url.path not in ("", "/"):
            raise ConfigError(
                f"AWS_ENDPOINT_URL must be http(s)://host[:port], not {endpoint_url!r}"
            )
        if "@" in url.netloc:
            raise ConfigError("AWS_ENDPOINT_URL must not hold credentials")
        endpoint, use_ssl = url.netloc, url.scheme == "https"
    return S3Config(
        key_id=key_id,
        secret=secret,
        session_token=first(("AWS_SESSION_TOKEN",)),
        region=first(REGION_VARS),
        endpoint=endpoint,
        use_ssl=use_ssl,
        # a custom endpoint (MinIO, Ceph, moto) seldom resolves bucket.host names: path style
        path_style=endpoint is not None,
    )


def secret_sql(config: S3Config) -> str:
    """The `CREATE SECRET` statement for this configuration (it holds the secret key)."""
    options = ["TYPE s3"]
    if config.key_id:
        options.append(f"KEY_ID '{quote_literal(config.key_id)}'")
    if config.secret:
        options.append(f"SECRET '{quote_literal(config.secret)}'")
    if config.session_token:
        options.append(f"SESSION_TOKEN '{quote_literal(config.session_token)}'")
    if config.region:
        options.append(f"REGION '{quote_literal(config.region)}'")
    if config.endpoint:
        options.append(f"ENDPOINT '{quote_literal(config.endpoint)}'")
    options.append(f"USE_SSL {'true' if config.use_ssl else 'false'}")
    if config.path_style:
        options.append("URL_STYLE 'path'")
    return f"CREATE OR REPLACE SECRET wirehouse_s3 ({', '.join(options)})"


def scrub(text: str, config: S3Config) -> str:
    """`text` with the secret key and session token replaced by `***`."""
    for value in config.secrets:
        text = text.replace(value, "***")
    return text


def create_s3_secret(con: duckdb.DuckDBPyConnection, config: S3Config) -> None:
    """Give this connection (only: a temporary secret) the S3 credentials."""
    try:
        con.execute(secret_sql(config))
    except duckdb.Error as exc:
        # never chain the original: its message may quote the statement, secret included
        raise WarehouseError(f"cannot set up S3 access: {scrub(first_line(exc), config)}") from None
