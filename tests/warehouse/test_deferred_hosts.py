"""The deferrals the fetch log holds: what the next run is told to keep away from, and till when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from wirehouse.records import Fetched, FetchKind, busy_deferral, deferral, is_deferral
from wirehouse.warehouse.retention import prune
from wirehouse.warehouse.runs import deferred_urls, record_fetches

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def fetched(
    url: str,
    error: str | None,
    *,
    at: datetime = NOW,
    status: int | None = None,
    final_url: str | None = None,
) -> Fetched:
    return Fetched(url, FetchKind.PAGE, final_url or url, status, at, 1.0, error=error)


def test_the_latest_deferral_of_each_url_holds_until_its_time(con: duckdb.DuckDBPyConnection):
    soon, later = NOW + timedelta(hours=1), NOW + timedelta(days=2)
    record_fetches(
        con,
        "run-1",
        [
            fetched("https://a.test/1", deferral(soon), status=503),  # the answer that deferred
            fetched("https://a.test/2", deferral(soon)),  # refused without a request
            fetched("https://b.test/1", deferral(soon), at=NOW - timedelta(minutes=5)),
            fetched("https://b.test/1", deferral(later)),  # asked again later: a longer wait
            fetched("https://c.test/1", deferral(NOW - timedelta(seconds=1))),  # over
            fetched("https://d.test/1", "host_backed_off:http_403 x5"),  # this run's only
            fetched("https://e.test/1", None, status=200),
            # redirected: the host that answered is the one that asked for the pause
            fetched(
                "https://f.test/1", deferral(soon), status=503, final_url="https://cdn.test/f/1"
            ),
            # a year and more ago: past any pause a host can ask for
            fetched("https://g.test/1", deferral(later), at=NOW - timedelta(days=400)),
            fetched("https://h.test/1", "deferred_retry_after:until=whenever"),  # not ours
            # a host that had its share of a run: its pages wait, but the next run asks it
            fetched("https://i.test/1", busy_deferral(later)),
        ],
    )
    assert deferred_urls(con, NOW) == {
        "https://a.test/1": soon,
        "https://a.test/2": soon,
        "https://b.test/1": later,
        "https://cdn.test/f/1": soon,
    }
    assert deferred_urls(con, soon) == {"https://b.test/1": later}  # a time reached is over
    assert deferred_urls(con, later) == {}


def test_pruning_the_log_keeps_the_deferrals_that_have_not_run_out(con: duckdb.DuckDBPyConnection):
    """A deferral running past the log's retention keeps its row, and so the deferral; the
    rest of the old log goes, a deferral that is over with it, and one of a year that an
    earlier version stored (a deferral is now a day at most) is over too."""
    recent = NOW - timedelta(hours=3)
    record_fetches(
        con,
        "run-old",
        [
            fetched("https://a.test/1", deferral(NOW + timedelta(hours=10)), at=recent),
            fetched("https://b.test/1", deferral(NOW - timedelta(hours=1)), at=recent),  # over
            fetched("https://c.test/1", "timeout", at=recent),
            fetched("https://d.test/1", None, at=recent, status=200),
            fetched(
                "https://e.test/1", deferral(NOW + timedelta(days=300)), at=NOW - timedelta(days=60)
            ),
        ],
    )
    assert prune(con, older_than=timedelta(hours=1), now=NOW).fetches == 4
    assert con.execute("SELECT url FROM fetches").fetchall() == [("https://a.test/1",)]
    assert deferred_urls(con, NOW) == {"https://a.test/1": NOW + timedelta(hours=10)}


def test_a_busy_hosts_pages_wait_like_a_deferred_hosts():
    assert is_deferral(busy_deferral(NOW)) and is_deferral(deferral(NOW))
