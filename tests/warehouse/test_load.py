import dataclasses

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import NOW, article, entry
from wirehouse.config.settings import DedupSettings
from wirehouse.records import MatchKind, Outcome
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.entries import triage_entries
from wirehouse.warehouse.migrate import available_migrations, migrate

TABLES = ["articles", "article_urls", "article_versions", "pages", "fetches"]


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    yield con
    con.close()


def snapshot(con):
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


def load(con, articles, run_id="r1"):
    with transaction(con):
        return dedupe_and_load(con, run_id, articles, settings=DedupSettings(), now=NOW).counts


def test_migrations_apply_once_and_are_recorded(tmp_path):
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    assert migrate(con) == [m.version for m in available_migrations()]
    assert migrate(con) == []
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
        available_migrations()
    )


def test_a_new_article_is_stored_with_its_url_and_first_version(con):
    counts = load(con, [article("http://a.test/1", "some words here")])
    assert counts.new_articles == 1
    assert con.execute("SELECT url, version, body_source FROM articles").fetchall() == [
        ("http://a.test/1", 1, "page")
    ]
    assert con.execute("SELECT match_kind FROM article_urls").fetchall() == [("new",)]
    assert con.execute("SELECT version FROM article_versions").fetchall() == [(1,)]


def test_the_same_text_in_a_later_batch_is_recorded_as_an_exact_duplicate(con):
    load(con, [article("http://a.test/1", "wire story text")])
    counts = load(con, [article("http://b.test/7", "wire story text")], run_id="r2")
    assert counts.new_articles == 0 and counts.duplicates == 1
    kinds = con.execute("SELECT match_kind FROM article_urls ORDER BY seen_at, url").fetchall()
    assert sorted(kinds) == [("exact",), ("new",)]
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


texts = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["alpha", "beta", "gamma", "delta"])),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=texts)
def test_loading_any_batch_twice_equals_loading_it_once(tmp_path_factory, batch):
    path = tmp_path_factory.mktemp("idem") / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
        articles = [article(f"http://h{n}.test/{word}", f"text {word}") for n, word in batch]
        load(con, articles)
        once = snapshot(con)
        load(con, articles)
        assert snapshot(con) == once


def test_triage_finds_known_urls_guids_and_in_run_repeats(con):
    load(con, [article("http://a.test/1", "stored text")])
    entries = [
        entry("http://a.test/1"),  # seen at this feed already
        entry("http://a.test/1?utm_source=x", feed="http://other.test/f.xml"),  # same key
        entry("http://c.test/new"),
        entry("http://c.test/NEW", feed="http://other.test/f.xml"),  # same key, same run
    ]
    t = triage_entries(con, entries, now=NOW)
    assert [e.url for e in t.to_fetch] == ["http://c.test/new"]
    assert t.already_seen == 1
    assert [(s.entry.url, s.match_kind) for s in t.sightings] == [
        ("http://a.test/1?utm_source=x", MatchKind.URL)
    ]
    assert [e.url for e in t.followers["http://c.test/new"]] == ["http://c.test/NEW"]


def test_a_known_guid_under_a_new_link_is_fetched_and_its_text_decides(con):
    """Feeds reuse GUIDs (positional ones, a CMS's): a GUID alone identifies nothing. A slug
    edit's page comes back as a copy of its article by its text; another article under the
    reused GUID is an article of its own."""
    stored = dataclasses.replace(
        article("http://a.test/old-slug", "The ferry strike ended today. " * 20),
        entry=entry("http://a.test/old-slug", guid="pos-1"),
    )
    load(con, [stored])
    moved = entry("http://a.test/new-slug", guid="pos-1")
    other = entry("http://a.test/another-story", guid="pos-1")
    t = triage_entries(con, [moved, other], now=NOW)
    assert [e.url for e in t.to_fetch] == [moved.url, other.url] and t.sightings == []
    pages = [
        dataclasses.replace(article(moved.url, stored.text), entry=moved),
        dataclasses.replace(
            article(other.url, "A new bridge opens in the harbour. " * 20), entry=other
        ),
    ]
    with transaction(con):
        done = dedupe_and_load(con, "r2", pages, settings=DedupSettings(), now=NOW)
    assert [(d.outcome, d.match_kind) for d in done.decisions] == [
        (Outcome.DUPLICATE, MatchKind.EXACT),
        (Outcome.NEW, MatchKind.NEW),
    ]
    assert (
        done.decisions[0].article_id
        == con.execute(
            "SELECT article_id FROM articles WHERE url = 'http://a.test/old-slug'"
        ).fetchone()[0]
    )


def test_a_run_left_running_by_a_dead_process_is_marked_aborted_by_the_next(con):
    from wirehouse.warehouse.runs import close_abandoned_runs, start_run

    start_run(con, "dead", flow_run_id=None, started_at=NOW)
    assert close_abandoned_runs(con) == 1
    assert con.execute("SELECT status, error IS NOT NULL FROM runs").fetchall() == [
        ("aborted", True)
    ]
    assert close_abandoned_runs(con) == 0
