"""Migration 010 (`articles.access`, `access_by_outlet`): rows stored before it get the access
their status and text say, demoted rows too, and no stored row or text changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.warehouse.conftest import migrated_to
from wirehouse.records import Access
from wirehouse.warehouse.migrate import available_migrations, migrate
from wirehouse.warehouse.sqltext import host_sql

T0 = datetime(2026, 2, 1, 8, tzinfo=UTC)
# (status, body_source, text, text_truncated) -> the access it must get
ROWS = [
    ("ok", "page", "a whole text", False, Access.OK),
    ("ok", "page", "a text cut to the cap", True, Access.TRUNCATED),
    ("ok", "page", "an older text", None, Access.OK),
    # a prefer_feed_text source's full text: ingest labels it ok (or truncated), and so must 010
    ("ok", "feed", "the feed's full text", False, Access.OK),
    ("ok", "feed", "the feed's full text cut to the cap", True, Access.TRUNCATED),
    ("pending", "none", None, False, Access.FEED_ONLY),
    ("page_failed:http_403", "feed", "the feed's text", False, Access.FEED_ONLY),
    ("page_failed:no_text", "feed", "the feed's long text", True, Access.FEED_ONLY),
    ("page_failed:timeout:read", "none", None, False, Access.FEED_ONLY),
    ("feed_only", "feed", "the feed's text at last", False, Access.FEED_ONLY),
    ("gave_up:http_404", "none", None, False, Access.FEED_ONLY),
]
HOSTS = ["http://www.Gazette.example/a", "https://gazette.example:8443/b", "http://news.test/c"]


@pytest.fixture
def at_009(tmp_path):
    con = migrated_to(tmp_path / "old.duckdb", 9)
    for i, (status, source, text, truncated, _) in enumerate(ROWS):
        con.execute(
            "INSERT INTO articles (article_id, url, url_key, text, published_at_source,"
            " content_hash, body_source, version, first_seen_at, updated_at, last_fetched_at,"
            " status, text_truncated) VALUES (?, ?, ?, ?, 'feed', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                f"a{i}",
                f"{HOSTS[i % 3]}/{i}",
                f"{HOSTS[i % 3]}/{i}",
                text,
                f"h{i}" if text else None,
                source,
                1 if text else 0,
                T0,
                T0,
                T0,
                status,
                truncated,
            ],
        )
    con.execute(
        "INSERT INTO demoted_articles BY NAME SELECT *, 'a0' AS duplicate_of FROM articles"
        " WHERE article_id IN ('a1', 'a4')"
    )
    con.execute("DELETE FROM articles WHERE article_id IN ('a1', 'a4')")
    yield con
    con.close()


def test_stored_rows_get_the_access_their_status_and_text_say(at_009):
    con = at_009
    before = con.execute("SELECT * FROM articles ORDER BY article_id").fetchall()
    demoted_before = con.execute("SELECT * FROM demoted_articles ORDER BY article_id").fetchall()
    assert migrate(con) == [10, 11, 12, 13]
    after = con.execute("SELECT * EXCLUDE (access) FROM articles ORDER BY article_id").fetchall()
    assert after == before  # nothing else changed, nothing lost
    demoted_after = con.execute(
        "SELECT * EXCLUDE (access) FROM demoted_articles ORDER BY article_id"
    ).fetchall()
    assert demoted_after == demoted_before
    got = dict(
        con.execute(
            "SELECT article_id, access FROM articles UNION ALL"
            " SELECT article_id, access FROM demoted_articles"
        ).fetchall()
    )
    assert got == {f"a{i}": str(row[-1]) for i, row in enumerate(ROWS)}


def test_access_by_outlet_shares_per_host(at_009):
    con = at_009
    migrate(con)
    view = con.execute(
        "SELECT outlet, access, articles, outlet_articles, share FROM access_by_outlet"
    ).fetchall()
    stored = con.execute(
        f"SELECT {host_sql('url')}, access, count(*) FROM articles GROUP BY ALL"
    ).fetchall()
    totals: dict[str, int] = {}
    for host, _, n in stored:
        totals[host] = totals.get(host, 0) + n
    assert {(h, a, n, totals[h]) for h, a, n in stored} == {v[:4] for v in view}
    assert {h for h, *_ in view} == {"gazette.example", "gazette.example:8443", "news.test"}
    for host, access, n, total, share in view:
        assert share == pytest.approx(n / total, rel=1e-12), (host, access)  # unrounded
    for host in totals:
        assert sum(s for h, _, _, _, s in view if h == host) == pytest.approx(1.0, rel=1e-12)


def test_the_view_uses_the_one_host_rule():
    """The view's outlet expression is `sqltext.host_sql`'s, character for character."""
    sql = next(m.sql for m in available_migrations() if m.version == 10)
    view = sql[sql.index("CREATE VIEW access_by_outlet") :]
    expression = view[view.index("SELECT") + len("SELECT") : view.index("AS outlet")]
    assert " ".join(expression.split()) == host_sql("url")
