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
from wirehouse.warehouse.lake import maintain_lake


@flow(name="lake-maintain", log_prints=False)
def lake_maintain(
    expire_older_than: str = "7d", delete_older_than: str = "1d"
) -> dict[str, int | bool]:
    """Compact the lake, expire snapshots older than `expire_older_than` and delete the files
    unused or orphaned for `delete_older_than` (ages as in `wirehouse lake maintain`)."""
    done = maintain_lake(
        load_settings().warehouse,
        now=datetime.now(UTC),
        expire_older_than=expire_older_than,
        delete_older_than=delete_older_than,
    )
    get_run_logger().info("%s", done.describe())
    counts = asdict(done)
    create_table_artifact(
        key="lake-maintenance",
        table=[{"what": k, "count": v} for k, v in counts.items()],
        description="What the last lake maintenance did",
    )
    return counts
