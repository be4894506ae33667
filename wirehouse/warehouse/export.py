"""Articles out of the warehouse as files other tools read: Parquet or JSON lines, by day.

Partitioned by publication day (UTC; first sight when the publication time is unknown), so a
re-export of recent days replaces just those days' files and a reader can prune by directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import duckdb

from wirehouse.errors import WarehouseError
from wirehouse.warehouse.sqltext import first_line, quote_literal

# every column a reader of the export needs; the raw page and hashes stay in the warehouse
_SELECT = r"""
SELECT a.article_id, l.outlet, a.title, a.url, a.canonical_url, a.published_at, a.author,
       a.language, a.description, a.tags, a.text, a.version, a.first_seen_at, a.updated_at,
       a.feed_url, a.story_id,
       (coalesce(a.published_at, a.first_seen_at) AT TIME ZONE 'UTC')::DATE AS published_date
FROM articles a JOIN latest_articles l USING (article_id)
WHERE coalesce(a.published_at, a.first_seen_at) >= {since}
ORDER BY published_date, a.published_at, a.article_id
"""


class ExportFormat(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"


@dataclass(frozen=True, slots=True)
class Exported:
    rows: int
    files: list[Path]


def export_articles(
    con: duckdb.DuckDBPyConnection,
    outdir: str | Path,
    *,
    since: datetime | None = None,
    fmt: ExportFormat = ExportFormat.parquet,
) -> Exported:
    """Write articles published since `since` under `outdir`, one partition per day.

    parquet: `outdir/published_date=YYYY-MM-DD/data_0.parquet` (hive layout, readable with
    `read_parquet('outdir/*/*.parquet', hive_partitioning=true)`); jsonl: `outdir/YYYY-MM-DD.jsonl`.
    Files of the days exported are replaced; other files in `outdir` are left alone.
    """
    out = Path(outdir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create {out}: {exc.strerror}") from exc
    bound = "'-infinity'::TIMESTAMPTZ" if since is None else f"'{since.isoformat()}'::TIMESTAMPTZ"
    query = _SELECT.format(since=bound)
    rows = _count(con, query)
    if fmt is ExportFormat.parquet:
        _copy(con, query, out, "FORMAT parquet, PARTITION_BY (published_date), OVERWRITE_OR_IGNORE")
        files = sorted(out.glob("published_date=*/*.parquet"))
        return Exported(rows, files)
    files = []
    days = con.execute(f"SELECT DISTINCT published_date FROM ({query}) ORDER BY 1").fetchall()
    for (day,) in days:
        target = out / f"{day.isoformat()}.jsonl"
        one_day = f"SELECT * FROM ({query}) WHERE published_date = DATE '{day.isoformat()}'"
        _copy(con, one_day, target, "FORMAT json")
        files.append(target)
    return Exported(rows, files)


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    row = con.execute(f"SELECT count(*) FROM ({query})").fetchone()
    return int(row[0]) if row else 0


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str) -> None:
    try:
        con.execute(f"COPY ({query}) TO '{quote_literal(str(target))}' ({options})")
    except duckdb.Error as exc:
        raise WarehouseError(f"export to {target} failed: {first_line(exc)}") from exc
