"""SIGTERM stops a real `wirehouse ingest` within seconds while pages hang, keeps what it
loaded, records the run as aborted, and the next run completes; no page, however slow to
extract or to arrive, holds a run past its deadlines."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows.test_serve import deployment_runs, serve_env
from tests.reliability import conftest
from tests.reliability.conftest import (
    WIREHOUSE,
    assert_every_truth_article_loaded,
    assert_no_duplicate_rows,
    assert_warehouse_opens_read_write,
    counts,
    query,
    read_pages,
    wait_for,
)
from tests.reliability.hostile import HostileOutlet

GRACE_S = 5.0


@pytest.fixture
def outlet() -> Iterator[HostileOutlet]:
    with HostileOutlet(slow=2, good=3) as hostile:
        yield hostile


@pytest.fixture
def feeds_with_hostile(feeds: Path, outlet: HostileOutlet) -> Path:
    feeds.write_text(feeds.read_text() + "\n" + outlet.write_feed_entry())
    return feeds


def _run_env(monkeypatch: pytest.MonkeyPatch, **settings: object) -> None:
    env = {
        "WIREHOUSE_STOP_GRACE_S": str(GRACE_S),
        # the stalled page must not keep the second run waiting for the default 30 s
        "WIREHOUSE_HTTP__TOTAL_TIMEOUT_S": "5",
        "WIREHOUSE_HTTP__READ_TIMEOUT_S": "5",
    }
    env.update({f"WIREHOUSE_{k.upper()}": str(v) for k, v in settings.items()})
    monkeypatch.setattr(conftest, "RUN_ENV", {**conftest.RUN_ENV, **env})


def _rejections(db: Path, run_status: str) -> dict[str, str]:
    rows = query(db, f"SELECT summary FROM runs WHERE status = '{run_status}'")
    found: dict[str, str] = {}
    for (summary,) in rows:
        for r in json.loads(summary or "{}").get("rejected", []):
            found[r["url"]] = r["reason"]
    return found


def test_sigterm_stops_a_run_with_hanging_pages_and_the_next_run_loads_the_rest(
    start_ingest, room, feeds_with_hostile, outlet, tmp_path, monkeypatch
):
    db = tmp_path / "wirehouse.duckdb"
    # 1. pages that take minutes to extract, and one that never finishes arriving
    _run_env(monkeypatch, extract__page_timeout_s=300)
    run = start_ingest(feeds_with_hostile, db)
    slow = {"slow-0", "slow-1"}

    def loading_and_hanging() -> bool:
        # a batch task that completed has committed its load; the slow pages are in workers
        loaded = any(
            "Task run 'extract-batch-" in line and "Finished in state Completed()" in line
            for line in run.output.splitlines()
        )
        return loaded and slow <= set(outlet.requested)

    assert wait_for(loading_and_hanging, timeout=600, poll=0.2), (outlet.requested, run.output)
    time.sleep(2)  # the slow pages reach the workers
    assert run.proc.poll() is None, run.output
    os.kill(run.proc.pid, signal.SIGTERM)  # the CLI only, as `timeout` or systemd would
    started = time.monotonic()
    code = run.wait(timeout=GRACE_S + 30)
    took = time.monotonic() - started
    assert code == 128 + signal.SIGTERM, run.output
    assert took < GRACE_S + 5, (took, run.output)
    assert "stopped by SIGTERM" in run.output
    # no extraction worker outlived the run (they would hold a core for minutes)
    # (the forkserver and resource tracker exit when they see the CLI gone)
    assert wait_for(lambda: not _processes_in_session(run.proc.pid), timeout=5), [
        Path(f"/proc/{pid}/cmdline").read_bytes()[:200]
        for pid in _processes_in_session(run.proc.pid)
    ]
    assert_warehouse_opens_read_write(db)
    assert_no_duplicate_rows(db)
    statuses = query(db, "SELECT status, error FROM runs")
    assert [s for s, _ in statuses] == ["aborted"], statuses
    assert "stopped by SIGTERM" in statuses[0][1]
    loaded = read_pages(db)
    assert loaded > 0  # what was loaded before the signal stays
    # what it had not loaded is kept, pending: nothing is lost if the feed drops it
    kept = dict(query(db, "SELECT url, status FROM articles"))
    assert {outlet.url(name) for name in outlet.pages} <= set(kept), kept
    assert {kept[outlet.url(name)] for name in slow} == {"pending"}, kept
    # feed validators are saved by completed runs only: the next run reads every feed again
    assert counts(db)["feeds"] == 0

    # 2. a run with a short page deadline: the hostile pages are rejected, the rest is loaded
    _run_env(monkeypatch, extract__page_timeout_s=1.5)
    run = start_ingest(feeds_with_hostile, db)
    assert run.wait(timeout=180) == 0, run.output
    assert_warehouse_opens_read_write(db)
    assert_no_duplicate_rows(db)
    assert_every_truth_article_loaded(db, room)
    statuses = dict(query(db, "SELECT status, count(*) FROM runs GROUP BY ALL"))
    assert statuses == {"aborted": 1, "completed": 1}, statuses
    rejected = _rejections(db, "completed")
    assert rejected[outlet.url("slow-0")] == "extract_timeout", rejected
    assert rejected[outlet.url("slow-1")] == "extract_timeout", rejected
    assert outlet.url("stall") in rejected, rejected
    good = {u for (u,) in query(db, "SELECT url FROM articles WHERE length(text) > 500")}
    assert {outlet.url(f"good-{i}") for i in range(3)} <= good
    assert read_pages(db) > loaded
    assert query(db, "SELECT count(*) FROM articles WHERE status = 'pending'") == [(0,)]


def _processes_in_session(sid: int) -> list[int]:
    """Live processes of the run's session (it was started with start_new_session)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields after the name: state, ppid, pgrp, session
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _start_serve(
    feeds: Path, db: Path, log: Path, prefect_api: str, **extra: str
) -> subprocess.Popen[bytes]:
    """`wirehouse serve` every 5 s into `db`, in its own session, its output to `log`."""
    env = {
        **serve_env(prefect_api),
        **conftest.RUN_ENV,
        "WIREHOUSE_STOP_GRACE_S": str(GRACE_S),
        **extra,
    }
    args = ["--interval", "5", "--feeds", str(feeds), "--db", str(db)]
    with log.open("w") as out:
        return subprocess.Popen(
            [WIREHOUSE, "serve", *args],
            cwd=db.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.mark.parametrize(
    ("sig", "to_group"),
    [
        (signal.SIGTERM, False),  # `docker stop`: serve alone
        (signal.SIGTERM, True),  # systemd: every process of the unit
        (signal.SIGINT, True),  # Ctrl-C: the terminal's foreground process group
    ],
)
def test_a_signal_to_serve_stops_its_run_in_flight_and_the_next_run_loads_the_rest(
    sig,
    to_group,
    prefect_api,
    start_ingest,
    room,
    feeds_with_hostile,
    outlet,
    tmp_path,
    monkeypatch,
):
    """systemd or `docker stop` ends `wirehouse serve` with SIGTERM, a terminal with Ctrl-C.
    The run in flight gets the signal first and stops as a run by hand does, recording itself
    (once, though it may hear it twice), then Prefect's runner shuts down (alone, it ends its
    runs at once, unrecorded)."""
    db = tmp_path / "wirehouse.duckdb"
    log = tmp_path / "serve.log"
    serve = _start_serve(
        feeds_with_hostile, db, log, prefect_api, WIREHOUSE_EXTRACT__PAGE_TIMEOUT_S="300"
    )
    try:
        slow = {"slow-0", "slow-1"}

        def loading_and_hanging() -> bool:
            loaded = "Task run 'extract-batch-" in log.read_text(errors="replace")
            return loaded and slow <= set(outlet.requested)

        assert wait_for(loading_and_hanging, timeout=180, poll=0.2), log.read_text()
        time.sleep(2)  # the slow pages reach the workers
        assert serve.poll() is None, log.read_text()
        if to_group:
            os.killpg(serve.pid, sig)  # serve started its own session: its group is its pid
        else:
            os.kill(serve.pid, sig)
        started = time.monotonic()
        code = serve.wait(timeout=GRACE_S + 60)
        took = time.monotonic() - started
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    output = log.read_text(errors="replace")
    assert code == 0 and took < GRACE_S + 5, (code, took, output)
    # no run, extraction worker or forkserver outlived it
    assert wait_for(lambda: not _processes_in_session(serve.pid), timeout=10), output
    assert_warehouse_opens_read_write(db)
    assert_no_duplicate_rows(db)
    statuses = query(db, "SELECT status, error FROM runs")
    assert [s for s, _ in statuses] == ["aborted"], (statuses, output)
    # the run heard the group's signal or serve's SIGTERM: a process-wide signal goes to any of
    # its threads, so on a busy machine serve's may be handled first; either is one stop
    heard = {f"stopped by {sig.name}", "stopped by SIGTERM"} if to_group else {"stopped by SIGTERM"}
    told = next((t for t in heard if t in statuses[0][1]), None)
    assert told is not None, statuses
    # and Prefect's UI shows it so, not a run left running
    runs = [
        r
        for r in asyncio.run(deployment_runs("ingest/scheduled"))
        if r.parameters.get("db") == str(db)  # this test's, not an earlier one's
    ]
    assert not [r for r in runs if r.state and r.state.is_running()], runs
    stopped = [r for r in runs if r.state and told in (r.state.message or "")]
    assert len(stopped) == 1 and stopped[0].state.is_cancelled(), stopped  # type: ignore[union-attr]
    loaded = read_pages(db)
    assert loaded > 0  # what was loaded before the signal stays

    _run_env(monkeypatch, extract__page_timeout_s=1.5)
    run = start_ingest(feeds_with_hostile, db)
    assert run.wait(timeout=180) == 0, run.output
    assert_no_duplicate_rows(db)
    assert_every_truth_article_loaded(db, room)
    assert read_pages(db) > loaded
    statuses = dict(query(db, "SELECT status, count(*) FROM runs GROUP BY ALL"))
    assert statuses == {"aborted": 1, "completed": 1}, statuses


def _starting_run(serve_pid: int) -> bool:
    """Whether serve has started a run's process (Prefect's engine, still importing)."""
    for pid in _processes_in_session(serve_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"prefect.engine" in cmdline:
            return True
    return False


def test_a_signal_while_a_run_starts_leaves_nothing_running(prefect_api, feeds, tmp_path):
    """A stop in the seconds a run's process takes to import, before it can hear one: the run
    ends before it has written anything, and neither the warehouse nor Prefect keeps it
    running."""
    db = tmp_path / "wirehouse.duckdb"
    log = tmp_path / "serve.log"
    serve = _start_serve(feeds, db, log, prefect_api)
    try:
        assert wait_for(lambda: _starting_run(serve.pid), timeout=120, poll=0.05), log.read_text()
        os.kill(serve.pid, signal.SIGTERM)
        code = serve.wait(timeout=GRACE_S + 60)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert "Beginning flow run" not in output  # it was stopped while it started
    assert wait_for(lambda: not _processes_in_session(serve.pid), timeout=10), output
    # no row: the run records itself only once it can hear a stop (serve opens the file, the
    # run would have migrated it)
    tables = {t for (t,) in query(db, "SELECT table_name FROM duckdb_tables()")}
    assert "runs" not in tables or query(db, "SELECT status FROM runs") == [], output
    runs = [
        r
        for r in asyncio.run(deployment_runs("ingest/scheduled"))
        if r.parameters.get("db") == str(db)
    ]
    assert runs, output
    # Prefect's runner reports the run it saw end, rather than leave it running
    assert all(r.state and r.state.is_final() for r in runs), [(r.name, r.state) for r in runs]
    assert len([r for r in runs if r.state and r.state.is_crashed()]) == 1, runs
