"""The `lake-maintain` flow: `wirehouse lake maintain` as a scheduled Prefect deployment.

The lake's location comes from the worker's environment (`WIREHOUSE_DB`, and the AWS variables
for object storage), never from a parameter, so no catalog password or key is stored with the
deployment or its runs.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from wirehouse.config.settings import load_settings
from wirehouse.timespec import parse_duration
from wirehouse.warehouse.connection import session
from wirehouse.warehouse.lake import maintain


@flow(name="lake-maintain", log_prints=False)
def lake_maintain(
    expire_older_than: str = "7d", delete_older_than: str = "1d"
) -> dict[str, int | bool]:
    """Compact the lake, expire snapshots older than `expire_older_than` and delete the files
    unused or orphaned for `delete_older_than` (ages as in `wirehouse lake maintain`)."""
    logger = get_run_logger()
    now = datetime.now(UTC)
    expire = parse_duration(expire_older_than, allow_zero=True)
    delete = parse_duration(delete_older_than, allow_zero=True)
    with session(load_settings().warehouse) as con:
        done = maintain(con, now=now, expire_older_than=expire, delete_older_than=delete)
    logger.info(
        "data files %d -> %d; %d snapshots expired; %d unused and %d orphaned files deleted",
        done.files_before,
        done.files_after,
        done.snapshots_expired,
        done.files_deleted,
        done.orphans_deleted,
    )
    counts = asdict(done)
    create_table_artifact(
        key="lake-maintenance",
        table=[{"what": k, "count": v} for k, v in counts.items()],
        description="What the last lake maintenance did",
    )
    return counts
