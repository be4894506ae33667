"""Data made safe to store and to show: on a terminal and in markdown that a UI renders.

Titles, URLs, authors, header values and error reasons come from outlets we do not control. On
a terminal an ESC, CR or bidi override in them can rewrite what the operator sees (colours, a
fake clickable link through OSC 8, text that runs backwards); in the Prefect UI's markdown a
`[text](url)` or `![](url)` in them becomes a phishing link or a tracking image. Both outputs
take data through these two functions and nothing else. What is stored goes through
strip_controls() first: lxml (and so any XML or HTML writer) refuses some of those characters.
"""

from __future__ import annotations

import contextlib
import logging
import re
import string
import traceback
import unicodedata
from collections.abc import Mapping
from typing import Any, overload

# C0 and C1 controls (tab, newline and CR excepted), DEL, lone surrogates and noncharacters: no
# stored string may contain them
_CONTROL = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_CONTROL_SPACE = re.compile("[\x0b\x0c\x85]")  # vertical tab, form feed, NEL: line breaks

_KEPT_LAYOUT = frozenset("\n\t")
# ASCII punctuation: CommonMark lets a backslash make each one literal, so none can start a
# link, image, emphasis, code span, table cell or autolink
_MARKDOWN_PUNCTUATION = frozenset(string.punctuation) - set("&<>")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


@overload
def strip_controls(text: str) -> str: ...
@overload
def strip_controls(text: None) -> None: ...
def strip_controls(text: str | None) -> str | None:
    """`text` without control characters, lone surrogates or noncharacters (line-like ones
    become a space), so no stored string carries what a terminal or an XML writer chokes on;
    None (a field the page did not give) stays None."""
    if not text:
        return text
    return _CONTROL.sub("", _CONTROL_SPACE.sub(" ", text))


def plain_text(text: str | None) -> str | None:
    """Controls stripped and whitespace tidied, one paragraph a line; None when nothing
    readable is left (feed text, whether a feed's own or an entry's kept for an article)."""
    if not text:
        return None
    lines = (" ".join(line.split()) for line in strip_controls(text).splitlines())
    result = "\n".join(line for line in lines if line)
    return result or None


def visible(text: object, *, keep_layout: bool = False) -> str:
    """`text` with every control, format or bidi character shown as a `\\x1b`-style escape.

    `keep_layout` keeps newlines and tabs (a table cell may span lines; a one-line message not).
    """
    value = str(text)
    if value.isprintable():  # the common case, checked in C
        return value
    return "".join(
        ch if ch.isprintable() or (keep_layout and ch in _KEPT_LAYOUT) else _escape(ch)
        for ch in value
    )


def _escape(ch: str) -> str:
    code = ord(ch)
    # controls; format characters, among them the bidi embeddings, overrides and isolates that
    # reorder what follows them on screen; surrogates, private use, unassigned; line breaks
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        if code <= 0xFF:
            return f"\\x{code:02x}"
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch  # a printable-but-not-"isprintable" space such as U+00A0 stays as it is


def markdown_cell(text: object) -> str:
    """`text` as literal markdown: one line, fit for a table cell or a heading.

    Every ASCII punctuation mark is backslash-escaped and `& < >` become entities, so the data
    renders as the same characters and never as a link, image, HTML tag or an extra column.
    """
    value = visible(" ".join(str(text).split()))
    out: list[str] = []
    for i, ch in enumerate(value):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MARKDOWN_PUNCTUATION and not _intraword_underscore(value, i):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _intraword_underscore(value: str, i: int) -> bool:
    """An `_` between letters or digits (`http_404`) cannot open emphasis: left readable."""
    return (
        value[i] == "_"
        and 0 < i < len(value) - 1
        and value[i - 1].isalnum()
        and value[i + 1].isalnum()
    )


# the loggers wirehouse's own lines go through: its modules' and Prefect's run loggers
_OWN_LOGGERS = ("wirehouse", "prefect.flow_runs", "prefect.task_runs")


def show_log_arguments_visibly() -> None:
    """Make every string or exception a wirehouse log line quotes `visible`, at the record's
    making, whatever handler then writes it (a terminal, Prefect's UI): log lines quote URLs,
    reasons and names from outside. The message's own text is the code's and stays as is. A
    traceback (`exc_info`) keeps its lines, but its exception's message quotes the outside too."""
    make = logging.getLogRecordFactory()
    if getattr(make, "shows_arguments_visibly", False):
        return

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        made = make(*args, **kwargs)
        if made.name.startswith(_OWN_LOGGERS):
            if made.args:
                made.args = _visible_arguments(made.args)
            if made.exc_info and made.exc_info[1] is not None:
                # formatters use a record's cached `exc_text` rather than format it again
                with contextlib.suppress(Exception):  # a log line never fails for this
                    made.exc_text = _visible_traceback(made.exc_info)
        return made

    record.shows_arguments_visibly = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)


def _visible_traceback(exc_info: tuple[type[BaseException], BaseException, Any]) -> str:
    """A traceback with its frames as Python writes them (the code's own lines) and each
    message and note `visible` on one line: a message with a newline would forge a log line.
    The messages are those of every exception in the chain and in exception groups."""
    shown = traceback.TracebackException(*exc_info)
    pending, seen = [shown], set()
    while pending:
        part = pending.pop()
        if id(part) in seen:
            continue
        seen.add(id(part))
        if not isinstance(getattr(part, "_str", None), str):  # a Python that keeps it elsewhere
            return visible("".join(shown.format()), keep_layout=True).removesuffix("\n")
        part._str = visible(part._str)  # type: ignore[attr-defined]
        if notes := getattr(part, "__notes__", None):
            part.__notes__ = [visible(note) for note in notes]
        pending += [p for p in (part.__cause__, part.__context__) if p is not None]
        pending += part.exceptions or []
    return "".join(shown.format()).removesuffix("\n")


class _Shown:
    """A log argument that formats as itself, `visible`: with %s its text, with %r its repr
    (an exception keeps its type's name)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return visible(str(self.value))

    def __repr__(self) -> str:
        return visible(repr(self.value))


def _visible_arguments(args: tuple[object, ...] | Mapping[str, object]) -> Any:
    def shown(value: object) -> object:
        return _Shown(value) if isinstance(value, str | BaseException) else value

    if isinstance(args, Mapping):
        return {key: shown(value) for key, value in args.items()}
    return tuple(shown(value) for value in args)
