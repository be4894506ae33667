"""Data shown on a terminal or in the Prefect UI's markdown is shown as text, never obeyed."""

from __future__ import annotations

import logging
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console

from wirehouse.escape import markdown_cell, visible
from wirehouse.flows.artifacts import failure_rows, render_summary
from wirehouse.records import Rejected, RunSummary

# what hostile outlets put in titles, URLs, authors, header values and error reasons
HOSTILE = [
    "br2 | 1 | [Session expired: sign in again](https://evil.example/login) "
    "![](https://evil.example/beacon.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[link](javascript:alert(1))",
    "[ref]: https://evil.example/ref",
    "![alt][ref]",
    "<https://evil.example/autolink>",
    "<evil@example.com>",
    "`code` and ``more``",
    "*bold* _em_ **strong** ~~gone~~",
    "a\nb\r\nc\u2028d | e",
    "# heading\n- list\n> quote",
    "&lt;img src=x&gt; &amp; &#60;b&#62;",
    "\\| escaped pipe \\",
    "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\u202egnp.exe\u202c \x07\x00\x7f",
    "[Storm hits coast [/] live][link=https://evil.example]x[/link]",
]
# control characters a terminal acts on, and characters that reorder what follows them
TERMINAL_HOSTILE = [
    "\x1b[31m",
    "\x1b]8;;https://evil.example\x1b\\",
    "\r",
    "\x07",
    "\x08",
    "\x9b31m",
    "\u202e",
    "\u2066",
    "\u200f",
    "\x00",
    "\x7f",
]

md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
UNSAFE_TOKENS = {"link_open", "image", "html_inline", "html_block", "code_inline", "em_open"}


def inline_tokens(markdown: str) -> list[str]:
    kinds = []
    for token in md.parse(markdown):
        kinds.append(token.type)
        kinds += [child.type for child in token.children or []]
    return kinds


def rendered_text(markdown: str) -> str:
    return "".join(
        child.content
        for token in md.parse(markdown)
        for child in token.children or []
        if child.type == "text"
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_a_markdown_cell_renders_as_the_same_text_and_nothing_else(text):
    cell = markdown_cell(text)
    assert "\n" not in cell
    kinds = inline_tokens(f"| a | b |\n|---|---|\n| {cell} | x |\n")
    assert not UNSAFE_TOKENS & set(kinds), kinds
    assert kinds.count("td_open") == 2  # the table keeps its two columns
    assert rendered_text(cell) == visible(" ".join(text.split()))


@given(st.text())
def test_any_text_stays_one_table_cell_of_plain_text(text):
    cell = markdown_cell(text)
    kinds = inline_tokens(f"| a | b |\n|---|---|\n| {cell} | x |\n")
    assert not UNSAFE_TOKENS & set(kinds)
    assert kinds.count("td_open") == 2


def test_readable_names_stay_readable():
    assert markdown_cell("http_404") == "http_404"
    assert markdown_cell("not modified") == "not modified"


@pytest.mark.parametrize("bad", TERMINAL_HOSTILE, ids=repr)
def test_visible_shows_each_control_character_as_an_escape(bad):
    shown = visible(f"before{bad}after")
    assert shown.isprintable()
    assert shown.startswith("before") and shown.endswith("after")
    assert "\\x" in shown or "\\u" in shown


def test_visible_keeps_text_and_optionally_layout():
    text = "Zürich – 東京 «ok» café\u00a0x"
    assert visible(text) == text
    assert visible("a\nb\tc", keep_layout=True) == "a\nb\tc"
    assert visible("a\nb") == "a\\x0ab"


@given(st.text())
def test_visible_output_is_always_printable(text):
    shown = visible(text, keep_layout=True)
    # spaces other than " " (U+00A0 ...) are not "printable" to Python but move no cursor
    assert all(ch.isprintable() or ch in "\n\t" or unicodedata.category(ch) == "Zs" for ch in shown)


def test_the_cli_console_prints_escaped_data_as_written():
    """Rich with markup off prints "[/]" and "[link=...]" as text (no MarkupError, no link)."""
    from wirehouse.cli import out

    console = Console(file=None, markup=out._markup, emoji=False, highlight=False, record=True)
    for text in HOSTILE:
        console.print(visible(text, keep_layout=True))
    exported = console.export_text()
    assert "[/]" in exported and "[link=https://evil.example]x[/link]" in exported
    assert "\x1b" not in exported


def hostile_summary() -> RunSummary:
    rejected = [
        Rejected("page", f"https://a.test/{i}?q={text}", text, text)
        for i, text in enumerate(HOSTILE)
    ]
    return RunSummary(
        run_id="abc123",
        duplicates={text: 1 for text in HOSTILE[:4]},
        rejected=rejected,
        stage_seconds={"load": 0.5, HOSTILE[0]: 1.0},
    )


def test_the_summary_artifact_shows_hostile_reasons_as_text_in_intact_tables():
    markdown = render_summary(hostile_summary())
    heading, body = markdown.split("\n", 1)
    assert heading == "# Ingest run `abc123`"  # our own id, in a code span
    tokens = md.parse(body)
    kinds = inline_tokens(body)
    assert not UNSAFE_TOKENS & set(kinds), [k for k in kinds if k in UNSAFE_TOKENS]
    # every body row of every table has as many cells as its header
    widths: list[int] = []
    row: list[str] = []
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(token.type)
        elif token.type == "tr_close":
            widths.append(len(row))
    assert widths and set(widths) == {2}
    text = rendered_text(markdown)
    assert "[Session expired: sign in again](https://evil.example/login)" in text
    assert "<img src=x onerror=alert(1)>" in text


def test_the_failures_table_has_no_control_characters():
    for row in failure_rows(hostile_summary()):
        for value in row.values():
            assert value.isprintable(), repr(value)


HOSTILE_URL = "https://outlet.test/sm\x1b]0;PWNED\x07\x1b[31m\u202eevil\x9b31m\nINFO | all good"


@pytest.mark.parametrize("name", ["wirehouse.flows.backfill", "prefect.flow_runs"])
def test_a_log_line_shows_what_it_quotes_visibly(name: str) -> None:
    # a robots.txt Sitemap line or a feed's link, quoted by a warning that a terminal shows;
    # made as any logger makes its records (a run logger's would go to the API)
    make = logging.getLogRecordFactory()
    args = (HOSTILE_URL, ValueError(HOSTILE_URL), 3)
    record = make(name, logging.WARNING, __file__, 1, "sitemap %s: %s (%d)", args, None)
    line = record.getMessage()
    assert line.isprintable(), line
    assert "\\x1b]0;PWNED\\x07" in line and "\\u202e" in line and line.endswith("(3)")
    # %r keeps an exception's type (Prefect's own run logs quote them so)
    record = make(name, logging.ERROR, __file__, 1, "failed: %r", (KeyError("feed_url"),), None)
    assert record.getMessage() == "failed: KeyError('feed_url')"


def test_a_wirehouse_warning_reaches_its_handler_escaped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("wirehouse.flows.backfill").warning("sitemap %s", HOSTILE_URL)
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.isprintable() and "\\u202e" in line


@pytest.mark.parametrize("name", ["wirehouse.flows.pipeline", "prefect.task_runs"])
def test_a_logged_traceback_shows_its_exception_messages_visibly(name: str) -> None:
    # exceptions built from a page or a header (lxml's, httpx's), chained, logged with their
    # traceback: a newline in a message would forge a log line
    try:
        try:
            raise KeyError(HOSTILE_URL)
        except KeyError as exc:
            raise ValueError(HOSTILE_URL) from exc
    except ValueError:
        record = logging.getLogRecordFactory()(
            name, logging.ERROR, __file__, 1, "batch failed", None, sys.exc_info()
        )
    lines = logging.Formatter().format(record).splitlines()
    assert lines[0] == "batch failed" and lines[1].startswith("Traceback")
    assert all(line.isprintable() for line in lines), lines
    messages = [line for line in lines if line.startswith(("KeyError", "ValueError"))]
    assert [m.split(":")[0] for m in messages] == ["KeyError", "ValueError"]
    for message in messages:
        assert "\\x1b]0;PWNED\\x07" in message and "\\u202e" in message
        assert message.endswith("\\x0aINFO | all good") or message.endswith("all good'")
    assert "The above exception was the direct cause of the following exception:" in lines
    assert lines.count("Traceback (most recent call last):") == 2
    assert not any(line.startswith("INFO") for line in lines)


def test_a_logged_exception_group_keeps_its_frames_and_shows_its_messages_visibly() -> None:
    def fail(n: int) -> None:
        raise ValueError(f"{n}: {HOSTILE_URL}")

    errors = []
    for n in range(2):
        try:
            fail(n)
        except ValueError as exc:
            exc.add_note(f"note {n}: \x1b[2J")
            errors.append(exc)
    try:
        raise ExceptionGroup("batch", errors)
    except ExceptionGroup:
        record = logging.getLogRecordFactory()(
            "wirehouse.flows.pipeline", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    lines = logging.Formatter().format(record).splitlines()
    assert all(line.isprintable() for line in lines), lines
    # each frame is a line of its own, inside the group's margins as Python writes them
    assert sum("in fail" in line and line.lstrip(" |").startswith("File ") for line in lines) == 2
    assert sum("ValueError: " in line and "\\x1b]0;PWNED" in line for line in lines) == 2
    assert sum("note 1: \\x1b[2J" in line for line in lines) == 1


def test_a_traceback_given_apart_from_its_exception_is_written_whole() -> None:
    try:
        raise RuntimeError("x\ny")
    except RuntimeError as exc:
        info = (RuntimeError, exc, exc.__traceback__)
        exc.__traceback__ = None
    record = logging.getLogRecordFactory()(
        "wirehouse.flows.pipeline", logging.ERROR, __file__, 1, "failed", None, info
    )
    text = logging.Formatter().format(record)
    assert "test_a_traceback_given_apart_from_its_exception_is_written_whole" in text
    assert text.endswith("RuntimeError: x\\x0ay")


def test_other_libraries_log_lines_are_left_as_they_are(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("httpx").info("%s", "a\nb")
    assert [r.getMessage() for r in caplog.records] == ["a\nb"]
