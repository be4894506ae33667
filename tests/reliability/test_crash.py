"""kill -9 at several moments of a real `wirehouse ingest`, then a run to completion.

Every batch is loaded in one transaction and feed validators are saved only when a run
finishes, so whatever moment the process dies at, the next run loads exactly what is missing.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from tests.reliability.conftest import (
    assert_every_truth_article_loaded,
    assert_no_duplicate_rows,
    assert_warehouse_opens_read_write,
    counts,
    query,
    wait_for,
)


def test_runs_killed_during_feeds_pages_and_a_load_leave_a_warehouse_the_next_run_completes(
    start_ingest, room, feeds, tmp_path
):
    db = tmp_path / "wirehouse.duckdb"
    wal = Path(f"{db}.wal")
    feed_paths = {urlsplit(u).path for u in room.feed_urls}

    def requests_since(mark: int) -> list[str]:
        return [url for _, url, _ in room.requests()[mark:]]

    def pages_since(mark: int) -> list[str]:
        return [u for u in requests_since(mark) if urlsplit(u).path not in feed_paths]

    # 1. during the feed fetch: killed as soon as the first feed was served
    mark = len(room.requests())
    run = start_ingest(feeds, db)
    assert wait_for(lambda: requests_since(mark), timeout=30), run.output
    run.kill()
    assert not pages_since(mark)
    assert_warehouse_opens_read_write(db)
    assert counts(db)["articles"] == 0

    # 2. during the page fetch and extraction: killed as soon as the first page was served
    mark = len(room.requests())
    run = start_ingest(feeds, db)
    assert wait_for(lambda: pages_since(mark), timeout=30), run.output
    run.kill()
    assert_warehouse_opens_read_write(db)
    assert counts(db)["articles"] == 0  # nothing was loaded yet: no half-loaded batch either

    # 3. during a load: pages are being fetched and the warehouse's WAL exists (a batch's
    #    transaction is being written or checkpointed)
    mark = len(room.requests())
    run = start_ingest(feeds, db)
    assert wait_for(lambda: pages_since(mark) and wal.exists(), timeout=30), run.output
    run.kill()
    assert_warehouse_opens_read_write(db)
    assert_no_duplicate_rows(db)
    partial = counts(db)

    # 4. a run to completion loads exactly what is missing
    run = start_ingest(feeds, db)
    assert run.wait(timeout=60) == 0, run.output
    assert_warehouse_opens_read_write(db)
    assert_no_duplicate_rows(db)
    assert_every_truth_article_loaded(db, room)
    final = counts(db)
    assert final["articles"] >= partial["articles"] and final["articles"] > 0
    statuses = dict(query(db, "SELECT status, count(*) FROM runs GROUP BY ALL"))
    assert statuses.get("completed") == 1, statuses
    # feed validators were saved by the completed run only: one row per feed
    assert final["feeds"] == len(room.feed_urls)
