"""Text to and from DuckDB: a value inside a SQL string literal, a quoted name, the host of a
URL column, and an error a user can read."""

from __future__ import annotations


def quote_literal(text: str) -> str:
    """`text` as the inside of a single-quoted SQL literal (paths in COPY, ATTACH, LOAD)."""
    return text.replace("'", "''")


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier (a catalog named after a file)."""
    return '"' + name.replace('"', '""') + '"'


def first_line(exc: BaseException) -> str:
    """The first line of an error: DuckDB's messages go on with context no user needs."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# scheme, then an optional `www.`, then the host (and port) up to the path, query or user info
_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://(www\.)?([^/?#@]+)"


def host_sql(column: str) -> str:
    """SQL for the host of the URL in `column`, lower-cased and without `www.`: the outlet of a
    page that names none (the same rule as the `latest_articles` view)."""
    return f"lower(regexp_extract({column}, '{_HOST}', 2))"
