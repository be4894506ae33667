"""Where the warehouse lives: a DuckDB file (the default) or a DuckLake.

The location string picks the backend, in DuckDB's own ATTACH syntax, so what a user writes in
`--db`, `db = ...` in the config or `WIREHOUSE_DB` is what DuckDB documents:

- `data/wirehouse.duckdb`: one DuckDB file; one writer at a time.
- `ducklake:postgres:dbname=news host=127.0.0.1`: a DuckLake whose catalog is in PostgreSQL
  and whose data are Parquet files under `data_path` (a folder or object storage); several
  processes on several machines may write at once.
- `ducklake:sqlite:catalog.sqlite` or `ducklake:catalog.ducklake`: a DuckLake on one machine.

Only parsing and checking, no DuckDB: the settings build a `Warehouse`, and the warehouse
package, which connects to it, sits above them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from wirehouse.errors import ConfigError

_LAKE_PREFIX = "ducklake:"
# `ducklake:postgres:...`: the catalog database's type, as in DuckDB's ATTACH; none is a file
_CATALOG_SCHEME = re.compile(r"^([a-z_]{2,}):")
# the catalog databases DuckLake can use, and the extension each one needs besides ducklake
CATALOG_EXTENSIONS = {"postgres": "postgres_scanner", "sqlite": "sqlite_scanner", "duckdb": None}

# the schemes DuckDB's httpfs reads as S3 (s3a/s3n are Hadoop's names for the same thing)
S3_SCHEMES = ("s3", "s3a", "s3n")

# DuckDB's own default is 80% of the machine's RAM, for its buffer cache alone: a run's cache
# grows with the warehouse file it writes (the pages' HTML), beside the extraction workers.
# 512 MB holds a batch load's working set many times over; a query that needs more spills to
# DuckDB's temporary directory (sorts, joins, aggregates) or fails with an "Out of Memory" line.
DEFAULT_MEMORY_LIMIT = "512MB"

REDACTED = "***"
# `password=...` in a libpq/DuckDB key=value string or a URL query, a value quoted '...' (with
# backslash escapes) or running to the next space, `&` or `;`. The alternatives in the quoted
# value are disjoint, so each character is read once (no backtracking blow-up).
_SECRET_VALUE = re.compile(
    r"""(?i)(?<![\w])((?:ssl)?password|passwd|pwd|pgpassword|secret(?:_access)?(?:_key)?
        |(?:aws_)?secret_access_key|(?:session_|access_|api_)?token|api_key|key)
        (\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&;']*)""",
    re.VERBOSE,
)
# the password of a URL's user info: scheme://user:PASSWORD@host
_URL_PASSWORD = re.compile(r"(://[^/?#@:\s]*:)([^/?#@\s]*)(@)")


def redact(text: str) -> str:
    """`text` with every password, secret or key in a connection string or URL replaced by ***.

    For anything shown, logged or stored: a DuckLake catalog such as
    `ducklake:postgres:dbname=news password=s3cret` or `postgresql://user:s3cret@host/db`.
    """
    text = _URL_PASSWORD.sub(lambda m: m[1] + REDACTED + m[3], text)
    return _SECRET_VALUE.sub(lambda m: m[1] + m[2] + REDACTED, text)


def has_secret(text: str) -> bool:
    """Whether `text` holds a password, secret or key that redact() would hide."""
    return redact(text) != text


def is_object_store(data_path: str | None) -> bool:
    """Whether a data path is a URL (object storage) rather than a local folder."""
    return bool(data_path) and "://" in str(data_path)


def check_data_path(data_path: str) -> str:
    """The data path as DuckLake records it (`s3://bucket/prefix/`), or a one-line error.

    DuckLake compares a given path with the one it recorded, so the trailing slash it adds
    itself is added here too; credentials written into the URL are refused, not stored.
    """
    try:
        url = urlsplit(data_path)
    except ValueError as exc:
        raise ConfigError(f"cannot read the data path URL: {exc}") from None
    if url.scheme.lower() not in S3_SCHEMES:
        raise ConfigError(
            f"data path scheme {url.scheme!r} is not supported: use a folder or s3://bucket/prefix"
        )
    if "@" in url.netloc:
        raise ConfigError(
            "the data path URL holds credentials: give them in AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY instead"
        )
    if not url.netloc:
        raise ConfigError(f"the data path {data_path!r} names no bucket: use s3://bucket/prefix")
    if url.query or url.fragment:
        raise ConfigError(f"the data path {data_path!r} has a query or fragment")
    return data_path if data_path.endswith("/") else data_path + "/"


def archive_beside(file: Path) -> Path:
    """A DuckDB file's raw-page archive folder: `news.duckdb` keeps it in `news.warc/`."""
    return file.with_suffix(".warc")


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A warehouse location and, for a DuckLake, the folder or bucket its data files go to;
    `memory_limit` is what each connection to it may use (DuckDB's size syntax, e.g. 1GB)."""

    location: str
    data_path: str | None = None
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    archive_dir: Path | None = None  # the raw-page archive's folder when not the default

    def __post_init__(self) -> None:
        if not self.location.strip():
            raise ConfigError("the warehouse location (--db) is empty")
        if self.is_lake and self.catalog_kind not in CATALOG_EXTENSIONS:
            raise ConfigError(f"unknown DuckLake catalog {self.catalog_kind!r} in {self.location}")
        if self.data_path and is_object_store(self.data_path):  # as DuckLake will record it
            object.__setattr__(self, "data_path", check_data_path(self.data_path))

    @property
    def is_lake(self) -> bool:
        return self.location.startswith(_LAKE_PREFIX)

    @property
    def catalog_kind(self) -> str:
        """`postgres`, `sqlite` or `duckdb` (a bare path) for a lake; `file` for a DuckDB file."""
        if not self.is_lake:
            return "file"
        scheme = _CATALOG_SCHEME.match(self.location.removeprefix(_LAKE_PREFIX))
        return scheme[1] if scheme else "duckdb"

    @property
    def file(self) -> Path:
        """The DuckDB file; only for a file warehouse."""
        if self.is_lake:
            raise ValueError(f"{self.location} is a DuckLake, not a file")
        return Path(self.location)

    @property
    def local_data_path(self) -> Path | None:
        """The data path when it is a local folder (not an object-storage URL)."""
        if self.data_path and not is_object_store(self.data_path):
            return Path(self.data_path)
        return None

    @property
    def local_dir(self) -> Path:
        """A local folder for what the warehouse writes beside itself (the HTML digest)."""
        if not self.is_lake:
            return self.file.parent
        if self.local_data_path:
            return self.local_data_path
        if self.catalog_kind in ("duckdb", "sqlite"):  # beside the local catalog file
            rest = self.location.removeprefix(_LAKE_PREFIX)
            return Path(rest.removeprefix(f"{self.catalog_kind}:")).parent
        return Path("data")

    @property
    def archive(self) -> Path | None:
        """The folder of the raw-page WARC archive: `archive_dir`, else `<name>.warc` beside a
        DuckDB file; None for a lake, whose folder follows the data path it recorded."""
        if self.archive_dir is not None:
            return self.archive_dir.absolute()
        return None if self.is_lake else archive_beside(self.file)

    def __str__(self) -> str:
        """The location as shown to people: passwords and keys redacted (connect with
        `location`, never with `str()`)."""
        return redact(self.location)

    def __repr__(self) -> str:
        return f"Warehouse({redact(self.location)!r}, data_path={self.data_path!r})"

    @property
    def has_secret(self) -> bool:
        """Whether the location carries a password or key (so it must not be a parameter)."""
        return has_secret(self.location)


def as_warehouse(where: Warehouse | str | Path) -> Warehouse:
    """Accept a `Warehouse`, or a bare location string or path (a lake's data path then comes
    from its catalog, where DuckLake recorded it when the lake was created)."""
    return where if isinstance(where, Warehouse) else Warehouse(str(where))
