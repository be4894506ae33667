"""Every command that opens the warehouse takes the same location options, `--db` and
`--data-path`: a user who ingests with both can ask, search and export with both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import duckdb
import pytest
import typer.main
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.warehouse.migrate import migrate


def _commands() -> dict[str, click.Command]:
    return dict(getattr(typer.main.get_command(app), "commands", {}))


def _options(command: click.Command) -> dict[str, click.Parameter]:
    return {opt: p for p in command.params for opt in getattr(p, "opts", [])}


# the commands that open the warehouse today; a new one is checked as soon as it takes --db
KNOWN = {"ingest", "sql", "feeds", "search", "export", "demo", "digest", "reextract", "serve"}
TAKES_A_WAREHOUSE = sorted(n for n, c in _commands().items() if "--db" in _options(c))


def test_every_command_that_opens_the_warehouse_takes_a_location() -> None:
    assert set(TAKES_A_WAREHOUSE) >= KNOWN


@pytest.mark.parametrize("name", TAKES_A_WAREHOUSE)
def test_each_command_accepts_both_location_options_with_one_meaning(name: str) -> None:
    options = _options(_commands()[name])
    reference = _options(_commands()["ingest"])
    for opt in ("--db", "--data-path"):
        assert opt in options, f"wirehouse {name} refuses {opt}"
        assert getattr(options[opt], "help", None) == getattr(reference[opt], "help", None)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
    return path


# the read-only commands, run for real on a DuckDB file with both options given
READERS = [
    ["sql", "SELECT count(*) AS n FROM articles", "--format", "csv"],
    ["feeds"],
    ["search", "harbour"],
    ["export", "{out}"],
    ["digest"],
]


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_the_readers_run_with_both_options(
    args: list[str], warehouse: Path, tmp_path: Path
) -> None:
    argv = [a.format(out=tmp_path / "out") for a in args]
    argv += ["--db", str(warehouse), "--data-path", str(tmp_path / "lake-data")]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "No such option" not in result.output


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_a_missing_warehouse_is_one_line_whatever_the_options(
    args: list[str], tmp_path: Path
) -> None:
    argv = [a.format(out=tmp_path / "out") for a in args]
    argv += ["--db", str(tmp_path / "none.duckdb"), "--data-path", str(tmp_path / "d")]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    assert "no warehouse at" in result.output


def test_a_one_off_run_warms_its_workers_up_early_unless_another_run_holds_the_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wirehouse.cli import _start_workers_early
    from wirehouse.config.settings import load_settings

    started: list[bool] = []
    monkeypatch.setattr("wirehouse.extractors.pool.start_forkserver", lambda: started.append(True))
    db = tmp_path / "w.duckdb"
    settings = load_settings(db=str(db))
    holder = subprocess.Popen(  # another run, in another process, holding the warehouse
        [
            sys.executable,
            "-c",
            "import time\n"
            "from wirehouse.warehouse.connection import run_lock\n"
            f"with run_lock({str(db)!r}):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        _start_workers_early(settings)  # this run will be skipped: nothing to warm up
        assert started == []
    finally:
        holder.kill()
        holder.communicate()  # reaped, its pipe closed
    _start_workers_early(settings)
    assert started == [True]
