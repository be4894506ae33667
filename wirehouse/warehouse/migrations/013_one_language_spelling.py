"""013: every stored language in the one spelling articles are stored in now.

Rows stored before languages had one spelling keep their page's first subtag (`eng`, `ger`,
`iw`), so `WHERE language = 'en'` missed them. Each distinct stored value that names a
language is rewritten to `languages.primary_language`'s reading of it; a value that names none
(`und`, an unreadable one) stays as it was, so nothing stored is lost.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from wirehouse.languages import primary_language
from wirehouse.warehouse.arrow import registered


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    tables = [
        row[0]
        for row in con.execute(
            "SELECT c.table_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)"
            " WHERE c.column_name = 'language' AND t.table_type = 'BASE TABLE'"
            " AND c.table_catalog = current_database() AND c.table_schema = current_schema()"
            " ORDER BY 1"
        ).fetchall()
    ]
    for table in tables:
        stored = [r[0] for r in con.execute(f"SELECT DISTINCT language FROM {table}").fetchall()]
        respelt = {v: primary_language(v) for v in stored if v is not None}
        changed = {old: new for old, new in respelt.items() if new is not None and new != old}
        if not changed:
            continue
        spellings = pa.table(
            {"old": pa.array(list(changed), pa.string()), "new": pa.array(list(changed.values()))}
        )
        with registered(con, _spellings_013=spellings):
            con.execute(
                f"UPDATE {table} AS t SET language = s.new FROM _spellings_013 s"
                " WHERE t.language = s.old"
            )
