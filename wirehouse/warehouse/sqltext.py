"""Text to and from DuckDB: a value inside a SQL string literal, and an error a user can read."""

from __future__ import annotations


def quote_literal(text: str) -> str:
    """`text` as the inside of a single-quoted SQL literal (paths in COPY, ATTACH, LOAD)."""
    return text.replace("'", "''")


def first_line(exc: BaseException) -> str:
    """The first line of an error: DuckDB's messages go on with context no user needs."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
