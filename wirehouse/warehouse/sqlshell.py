"""`wirehouse sql`: a read-only connection, results to a Parquet file, an interactive prompt.

Read-only means more than a read-only warehouse file: DuckDB SQL can also write files
(`COPY ... TO`), read any file the user can (`read_csv('/etc/passwd')`), ATTACH other
databases and INSTALL or LOAD extensions. lock_down() turns all of that off for the rest of the
connection's life, after the extensions and the lake's ATTACH that the warehouse needs. A lake
must still reach its own data folder, and DuckDB's allowed directory lets writes through as well
as reads, so refuse_writes() also refuses, before it runs, every statement that is not a SELECT.

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
from wirehouse.warehouse.connection import lake_data_path
from wirehouse.warehouse.sqltext import first_line, quote_literal

HISTORY = Path.home() / ".wirehouse_history"
Rows = tuple[list[str], list[tuple[Any, ...]]]
# what a refused statement's error gets appended, so the user knows it is on purpose
_LOCKED_HINT = "(wirehouse sql is read-only; --allow-external-access lets a query use files)"


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No file, network, ATTACH, INSTALL or LOAD from now on, and no SET that could undo it."""
    try:
        data_path = lake_data_path(con)
        if data_path:  # a lake's own Parquet files (a folder or a bucket), and nothing else
            con.execute(f"SET allowed_directories = ['{quote_literal(data_path)}']")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot make the connection read-only: {first_line(exc)}") from exc


# SELECT covers FROM, WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE and table-valued PRAGMAs. EXPLAIN is
# out: `EXPLAIN ANALYZE COPY ... TO` runs the COPY. So are CALL, PRAGMA and SET (they change state).
_READ_TYPES = frozenset({duckdb.StatementType.SELECT})


def refuse_writes(query: str) -> None:
    """Raise unless every statement in `query` is a read (a SELECT, in DuckDB's parse)."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise WarehouseError(_message(exc)) from exc
    for statement in statements:
        if statement.type not in _READ_TYPES:
            kind = statement.type.name.replace("_", " ")
            raise WarehouseError(f"{kind} statements are refused; only SELECT runs {_LOCKED_HINT}")


def run_query(con: duckdb.DuckDBPyConnection, query: str, *, locked: bool = True) -> Rows:
    """Column names and rows of one statement; DuckDB's errors become one readable line.

    `locked` refuses anything but a read before DuckDB sees it (see refuse_writes).
    """
    if locked:
        refuse_writes(query)
    try:
        cursor = con.execute(query)
    except duckdb.Error as exc:
        raise WarehouseError(_message(exc)) from exc
    return [d[0] for d in cursor.description or []], cursor.fetchall()


def _message(exc: duckdb.Error) -> str:
    line = first_line(exc)
    locked = isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in line
    return f"{line} {_LOCKED_HINT}" if locked else line


def write_parquet(
    con: duckdb.DuckDBPyConnection, query: str, output: str | Path, *, locked: bool = True
) -> int:
    """Write the result of a query to one Parquet file; return its row count.

    Written by pyarrow from the result's batches, not by `COPY ... TO`, so it works on a
    locked-down connection and the query cannot choose where DuckDB writes.
    """
    import pyarrow.parquet as pq

    if locked:
        refuse_writes(query)
    try:
        reader = con.execute(query).to_arrow_reader()
        rows = 0
        with pq.ParquetWriter(str(output), reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    except duckdb.Error as exc:
        raise WarehouseError(_message(exc)) from exc
    except OSError as exc:
        raise WarehouseError(f"cannot write {output}: {exc.strerror or exc}") from exc
    return rows


def repl(
    con: duckdb.DuckDBPyConnection,
    show: Callable[[list[str], list[tuple[Any, ...]]], None],
    warn: Callable[[str], None],
    *,
    history: Path = HISTORY,
    read: Callable[[str], str] = input,
    locked: bool = True,
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
                show(*run_query(con, statement, locked=locked))
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
