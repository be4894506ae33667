"""`wirehouse sql` beyond one query: results to a Parquet file, and a small interactive prompt.

The prompt is readline + input() (no prompt_toolkit dependency): line editing and a history
kept across sessions in ~/.wirehouse_history; a statement ends at a `;` or an empty line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.errors import WarehouseError, WirehouseError
from wirehouse.warehouse.sqltext import first_line, quote_literal

HISTORY = Path.home() / ".wirehouse_history"
Rows = tuple[list[str], list[tuple[Any, ...]]]


def run_query(con: duckdb.DuckDBPyConnection, query: str) -> Rows:
    """Column names and rows of one statement; DuckDB's errors become one readable line."""
    try:
        cursor = con.execute(query)
    except duckdb.Error as exc:
        raise WarehouseError(first_line(exc)) from exc
    return [d[0] for d in cursor.description or []], cursor.fetchall()


def write_parquet(con: duckdb.DuckDBPyConnection, query: str, output: str | Path) -> int:
    """Write the result of a query to one Parquet file; return its row count."""
    body = query.strip().rstrip(";").strip()
    try:
        row = con.execute(
            f"COPY ({body}) TO '{quote_literal(str(output))}' (FORMAT parquet)"
        ).fetchone()
    except duckdb.Error as exc:
        raise WarehouseError(first_line(exc)) from exc
    return int(row[0]) if row else 0


def repl(
    con: duckdb.DuckDBPyConnection,
    show: Callable[[list[str], list[tuple[Any, ...]]], None],
    warn: Callable[[str], None],
    *,
    history: Path = HISTORY,
    read: Callable[[str], str] = input,
) -> None:
    """Read statements until EOF (Ctrl-D) or `.quit`; an error is shown and the prompt goes on."""
    readline = _readline(history)
    buffer: list[str] = []
    try:
        while True:
            try:
                line = read("wirehouse> " if not buffer else "      ...> ")
            except EOFError:
                break
            except KeyboardInterrupt:
                buffer = []
                continue
            if not buffer and line.strip() in (".quit", ".exit", "quit", "exit"):
                break
            if line.strip():
                buffer.append(line)
            statement = "\n".join(buffer).strip()
            if not statement or (line.strip() and not statement.endswith(";")):
                continue
            buffer = []
            if readline is not None:
                readline.add_history(" ".join(statement.split()))
            try:
                show(*run_query(con, statement))
            except WirehouseError as exc:
                warn(str(exc))
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(str(history))


def _readline(history: Path) -> Any:
    """The readline module with the history loaded, or None where there is no readline."""
    try:
        import readline
    except ImportError:  # pragma: no cover - every Linux and macOS Python has it
        return None
    readline.set_history_length(1000)
    readline.set_auto_history(False)  # one entry per statement, added by repl
    with contextlib.suppress(OSError):
        readline.read_history_file(str(history))
    return readline
