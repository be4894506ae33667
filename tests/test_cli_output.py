"""Every CLI command that prints data prints it as text: no Rich markup, no terminal control.

Outlets choose titles, authors, tags, URLs and error reasons. Before, `[/]` in a title made
`wirehouse sql` (and the run summary, after its data was committed) exit 1 with MarkupError,
`[link=...]` made a clickable link, and ESC sequences reached the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from tests.warehouse.test_views import T, art, ingest
from wirehouse.cli import _print_summary, app
from wirehouse.config.location import Warehouse
from wirehouse.errors import WarehouseBusy
from wirehouse.records import Rejected, RunSummary
from wirehouse.warehouse.migrate import migrate

# (what an outlet writes, what must not reach the terminal as it is)
HOSTILE = {
    "close-tag": "Storm hits coast [/] live",
    "link": "[link=https://evil.example]click[/link]",
    "style": "[bold red]ALERT[/bold red]",
    "emoji": ":warning: :skull:",
    "sgr": "\x1b[31mred\x1b[0m",
    "osc8": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "cr": "fine\rEVIL",
    "bell": "ding\x07",
    "bidi": "txt.\u202eexe",
    "c1-csi": "\x9b31m",
}
CONTROL = ("\x1b", "\r", "\x07", "\u202e", "\x9b")


def assert_shown_as_text(output: str, raw: str) -> None:
    for ch in CONTROL:
        assert ch not in output, repr(ch)
    printable = "".join(ch for ch in raw if ch.isprintable())
    if printable == raw:  # markup-like text is shown exactly as written
        assert raw in output


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
        articles = [
            art(
                f"https://a{i}.test/storm-{i}",
                f"storm surge text {text} more words about the storm surge",
                at=T,
                title=f"storm {text}",
                sitename=text,
            )
            for i, text in enumerate(HOSTILE.values())
        ]
        ingest(con, articles, now=T)
        for i, text in enumerate(HOSTILE.values()):
            con.execute(
                "INSERT INTO feeds (feed_url, name, last_error, consecutive_failures) "
                "VALUES (?, ?, ?, 1)",
                [f"https://f{i}.test/feed.xml", text, f"http 500: {text}"],
            )
    return path


runner = CliRunner()


@pytest.mark.parametrize("name", HOSTILE)
def test_sql_prints_any_string_as_text_and_exits_0(db, name):
    raw = HOSTILE[name]
    result = runner.invoke(
        app, ["sql", "SELECT ? AS title".replace("?", quote(raw)), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert_shown_as_text(result.stdout, raw)
    assert "(1 rows)" in result.stdout


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_sql_shows_stored_hostile_titles_as_text(db):
    result = runner.invoke(app, ["sql", "SELECT title, sitename FROM articles", "--db", str(db)])
    assert result.exit_code == 0, result.output
    for raw in HOSTILE.values():
        assert_shown_as_text(result.stdout, raw)


def test_feeds_shows_hostile_names_and_errors_as_text(db):
    result = runner.invoke(app, ["feeds", "--db", str(db)])
    assert result.exit_code == 0, result.output
    for raw in HOSTILE.values():
        assert_shown_as_text(result.stdout, raw)


def test_search_shows_hostile_titles_and_outlets_as_text(db):
    result = runner.invoke(app, ["search", "storm surge", "--db", str(db), "--limit", "50"])
    assert result.exit_code == 0, result.output
    for raw in HOSTILE.values():
        assert_shown_as_text(result.stdout, raw)


def test_search_json_keeps_the_data_exact(db):
    result = runner.invoke(app, ["search", "storm", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    titles = {json.loads(line)["title"] for line in result.stdout.splitlines()}
    assert {f"storm {text}" for text in HOSTILE.values()} <= titles
    assert result.stdout.isascii()  # escaped as JSON: nothing a terminal obeys goes out raw


def test_csv_keeps_the_data_exact_with_unix_line_ends(db):
    result = runner.invoke(
        app,
        [
            "sql",
            "SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'",
            "--db",
            str(db),
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"a,b\n1,x\n2,y\n"
    stored = runner.invoke(app, ["sql", "SELECT 'a\nb' AS t", "--db", str(db), "--format", "csv"])
    assert stored.stdout_bytes == b't\n"a\nb"\n'  # a newline inside a value is quoted, not changed


def csv_on_a_terminal(db: Path, query: str) -> bytes:
    """`wirehouse sql --format csv` with its stdout on a pseudo-terminal, as a person sees it."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    args = ["-m", "wirehouse.cli", "sql", query, "--db", str(db), "--format", "csv"]
    chunks = []
    with subprocess.Popen([sys.executable, *args], stdout=follower, stderr=subprocess.PIPE) as proc:
        os.close(follower)
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        errors = proc.stderr.read() if proc.stderr else b""
        assert proc.wait(timeout=120) == 0, errors
    return b"".join(chunks)


def test_csv_on_a_terminal_shows_controls_as_escapes_and_piped_keeps_them(db):
    query = "SELECT title, sitename FROM articles ORDER BY url"
    shown = csv_on_a_terminal(db, query).decode()
    for raw in HOSTILE.values():
        assert_shown_as_text(shown.replace("\r\n", "\n"), raw)  # the tty's own line ends
    assert "\\x1b[31mred" in shown and "\\u202e" in shown
    piped = runner.invoke(app, ["sql", query, "--db", str(db), "--format", "csv"])
    assert "\x1b[31mred\x1b[0m" in piped.stdout and "\u202e" in piped.stdout


def test_export_names_a_hostile_folder_as_text(db, tmp_path):
    outdir = tmp_path / "out [/] \x1b[31m"
    result = runner.invoke(app, ["export", str(outdir), "--db", str(db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "out [/] \\x1b[31m" in result.stdout


def test_an_error_quoting_hostile_data_is_one_escaped_line(tmp_path):
    result = runner.invoke(
        app, ["sql", "SELECT 1", "--db", str(tmp_path / "no [/] \x1b[2J.duckdb")]
    )
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "[/]" in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_the_run_summary_prints_hostile_reasons_and_urls_as_text(capsys):
    summary = RunSummary(
        run_id="abc123",
        rejected=[
            Rejected("page", f"https://a.test/{i}/{text}", text)
            for i, text in enumerate(HOSTILE.values())
        ],
    )
    _print_summary(summary, Warehouse("data/w.duckdb"))
    printed = capsys.readouterr().out
    assert "run abc123" in printed and f"{len(HOSTILE)} failures" in printed
    for raw in HOSTILE.values():
        assert_shown_as_text(printed, raw)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("stopped by SIGTERM: run aborted", 143),
        ("stopped by SIGINT", 130),
        ("Flow run was cancelled by a user.", 1),  # Prefect's UI or API
        ("", 1),
        ("[bold]not markup[/bold] skipped: not at the start", 1),
    ],
)
def test_a_cancelled_run_that_was_not_skipped_exits_and_says_why(capsys, message, code):
    """Only a run that skipped itself for another run's lock is a busy warehouse (which
    `refresh` waits out); any other cancel ends the command with the message as text."""
    from prefect.exceptions import CancelledRun

    from wirehouse.cli import _run_flow

    async def cancelled() -> None:
        raise CancelledRun(message)

    with pytest.raises(typer.Exit) as exit_info:
        _run_flow(cancelled)
    assert exit_info.value.exit_code == code
    assert message in capsys.readouterr().err


def test_a_run_skipped_for_another_runs_lock_is_a_busy_warehouse():
    from prefect.exceptions import CancelledRun

    from wirehouse.cli import _run_flow

    async def skipped() -> None:
        raise CancelledRun("skipped: warehouse w.duckdb is being written by another process")

    with pytest.raises(WarehouseBusy, match=r"^warehouse w\.duckdb is being written"):
        _run_flow(skipped)
