"""Faults around the warehouse file: two runs at once, a read-only warehouse, a full disk.

Each run is a real `wirehouse ingest` subprocess; each fault must end in one `error:` line and
a non-zero exit, and leave a warehouse that opens with the rows it had.
"""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from tests.reliability.conftest import (
    assert_every_truth_article_loaded,
    assert_no_duplicate_rows,
    assert_warehouse_opens_read_write,
    counts,
    query,
    read_pages,
)
from wirehouse.warehouse.migrate import migrate


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error: ")]


def assert_one_line_error(run, *, code: int, match: str) -> str:
    """Exit `code`, and exactly one `error: ...` line for the user (Prefect logs around it)."""
    assert run.proc.returncode == code, run.output
    lines = error_lines(run.output)
    assert len(lines) == 1, run.output
    assert match in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def loaded(prefect_api, room, tmp_path_factory) -> Path:
    """A warehouse one complete run filled; tests copy it and never touch the original."""
    import subprocess

    from tests.reliability.conftest import ROOT, RUN_ENV, WIREHOUSE

    tmp = tmp_path_factory.mktemp("loaded")
    feeds = room.write_feed_list(tmp / "feeds.toml")
    db = tmp / "wirehouse.duckdb"
    env = {**os.environ, **RUN_ENV, "PREFECT_API_URL": prefect_api}
    done = subprocess.run(
        [WIREHOUSE, "ingest", "--feeds", str(feeds), "--db", str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return db


def test_two_runs_started_at_once_one_loads_and_the_other_is_refused_in_one_line(
    start_ingest, room, feeds, tmp_path
):
    db = tmp_path / "wirehouse.duckdb"
    first, second = start_ingest(feeds, db), start_ingest(feeds, db)
    codes = sorted([first.wait(timeout=90), second.wait(timeout=90)])
    # the slow page keeps the winner's run lock for seconds: the other run cannot slip in
    assert codes == [0, 2], (first.output, second.output)
    refused = first if first.proc.returncode else second
    line = assert_one_line_error(refused, code=2, match="another ingest run (pid ")
    assert "is writing to" in line and "this run was not started" in line
    assert_warehouse_opens_read_write(db)
    assert_no_duplicate_rows(db)
    assert_every_truth_article_loaded(db, room)
    assert query(db, "SELECT status FROM runs") == [("completed",)]


# --- read-only ----------------------------------------------------------------------------------
# Tests run as root here, and root ignores file modes (CAP_DAC_OVERRIDE). So when euid is 0 the
# run drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its bounding set before exec: the
# new program has no such capability and file modes apply to it as to any user, while it
# still owns (and can read) the interpreter under /root. As another user, chmod is enough.

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _without_dac_override() -> None:
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    made: list[Path] = []

    def freeze(directory: Path) -> None:
        made.append(directory)
        directory.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)

    yield freeze
    for directory in made:
        directory.chmod(0o755)


@pytest.mark.parametrize(
    ("file_mode", "lock_exists", "match"),
    [
        (0o444, False, "Permission denied"),  # file and directory read-only
        (0o644, False, "Permission denied"),  # directory read-only: no lock file can be made
        (0o644, True, "Permission denied"),  # directory read-only: no WAL can be made
    ],
    ids=["file-and-dir", "dir-no-lock-file", "dir-with-lock-file"],
)
def test_a_read_only_warehouse_fails_in_one_line_and_keeps_its_rows(
    start_ingest, loaded, feeds, tmp_path, read_only_dir, file_mode, lock_exists, match
):
    where = tmp_path / "ro"
    where.mkdir()
    db = where / "wirehouse.duckdb"
    shutil.copy(loaded, db)
    if lock_exists:
        Path(f"{db}.lock").touch()
    before = counts(db)
    db.chmod(file_mode)
    read_only_dir(where)
    run = start_ingest(feeds, db, preexec_fn=_without_dac_override)
    run.wait(timeout=60)
    assert_one_line_error(run, code=2, match=match)
    where.chmod(0o755)
    db.chmod(0o644)
    assert counts(db) == before
    assert_warehouse_opens_read_write(db)


# --- disk full ----------------------------------------------------------------------------------
# No mount in a portable test: RLIMIT_FSIZE caps the size of any file the run writes, and
# Python ignores SIGXFSZ, so a write past the cap fails with EFBIG ("File too large"), which is
# what DuckDB sees on a full disk (ENOSPC) at the same moment: its file cannot grow.


def test_a_full_disk_fails_the_run_in_one_line_and_the_next_run_recovers(
    start_ingest, room, feeds, tmp_path
):
    db = tmp_path / "wirehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        migrate(con)
    # smaller than the warehouse file: no block can be added to it, and the WAL (where DuckDB
    # keeps commits it could not checkpoint) fills up after a batch or two
    cap = 200 * 1024

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))

    run = start_ingest(feeds, db, preexec_fn=small_disk)
    run.wait(timeout=60)
    assert_one_line_error(run, code=2, match="File too large")
    assert_warehouse_opens_read_write(db)
    assert_no_duplicate_rows(db)
    assert read_pages(db) < len(room.truth)  # the run really was stopped short

    run = start_ingest(feeds, db)  # room again: the next run loads what is missing
    assert run.wait(timeout=60) == 0, run.output
    assert_no_duplicate_rows(db)
    assert_every_truth_article_loaded(db, room)
