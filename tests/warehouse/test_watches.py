"""Story watches against a real DuckDB file: which stories a run announces, and only once.

Stories are made by the real dedup path (exact, near, load, stories) from the labelled
evaluation texts: one rate decision reported by a wire and two outlets, and a flood reported
by a wire, a radio and a paper."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.factories import article as make_article
from wirehouse.config.location import Warehouse
from wirehouse.config.settings import DedupSettings, WatchSettings
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.records import Article
from wirehouse.warehouse.connection import connect, transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate
from wirehouse.warehouse.watches import (
    evaluate_watches,
    hits_for_stories,
    last_hits,
    matching_stories,
    touched_stories,
)
from wirehouse.watches import event_fields

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "texts"
SETTINGS = DedupSettings()
T = datetime(2025, 3, 6, 11, tzinfo=UTC)


def text(name: str) -> str:
    return (TEXTS / f"{name}.txt").read_text(encoding="utf-8").strip()


def art(
    url: str,
    body: str,
    *,
    at: datetime,
    title: str,
    language: str | None = "en",
    tags: tuple[str, ...] = (),
    sitename: str | None = None,
) -> Article:
    a = make_article(url, body, feed=f"https://{url.split('/')[2]}/feed.xml")
    return dataclasses.replace(
        a,
        title=title,
        published_at=at,
        fetched_at=at,
        content_hash=content_hash(body),
        language=language,
        tags=tags,
        sitename=sitename,
    )


def run(con: duckdb.DuckDBPyConnection, run_id: str, articles: list[Article]) -> set[str]:
    """The batch path of the ingest flow; returns the stories it placed articles in."""
    now = max(a.fetched_at for a in articles if a.fetched_at)
    with transaction(con):
        done = dedupe_and_load(con, run_id, articles, settings=SETTINGS, now=now)
    return set(done.stories.values())


RATE_WIRE = art(
    "https://contwire.test/e1", text("e1_wire"), at=T, title="Central bank raises rate to 4.25 pct"
)
RATE_COURIER = art(
    "https://velhavencourier.test/e1",
    text("e1_courier"),
    at=T + timedelta(hours=1),
    title="Mortgage bills to climb",
    tags=("Economy",),
)
RATE_MERIDIAN = art(
    "https://meridianbusiness.test/e1",
    text("e1_meridian"),
    at=T + timedelta(hours=2),
    title="Krona jumps on surprise half-point rise",
    language="en-GB",
)
FLOOD = [
    art("https://contwire.test/e6", text("e6_wire"), at=T, title="Floods kill five"),
    art(
        "https://radiosarnova.test/e6",
        text("e6_radio"),
        at=T + timedelta(hours=1),
        title="Mirestad mourns",
    ),
    art(
        "https://drezhintribune.test/e6",
        text("e6_tribune"),
        at=T + timedelta(hours=2),
        title="Flood defences",
    ),
]


@pytest.fixture
def con(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated warehouse: a DuckDB file, or a DuckLake for a test parametrized with `ON_BOTH`
    (a lake's own SQL paths: no indexes, no ON CONFLICT, Parquet files per commit)."""
    where = (
        tmp_path / "w.duckdb"
        if getattr(request, "param", "file") == "file"
        else Warehouse(f"ducklake:{tmp_path / 'c.ducklake'}", str(tmp_path / "lake"))
    )
    con = connect(where)
    migrate(con)
    yield con
    con.close()


# a DuckLake takes a second or two to migrate: the tests of each path run on both, their
# variations (the same SQL with other values) on a file only
ON_BOTH = pytest.mark.parametrize("con", ["file", "lake"], indirect=True)


def watch(name: str = "rates", query: str = "inflation rate krona", **kw: object) -> WatchSettings:
    return WatchSettings(name=name, query=query, **kw)  # type: ignore[arg-type]


@ON_BOTH
def test_a_story_is_announced_when_it_gains_its_nth_outlet_and_never_again(con):
    watches = [watch(min_outlets=3)]
    placed = run(con, "r1", [RATE_WIRE, RATE_COURIER])
    assert evaluate_watches(con, watches, run_id="r1", placed=placed, now=T) == []

    placed = run(con, "r2", [RATE_MERIDIAN])
    [hit] = evaluate_watches(con, watches, run_id="r2", placed=placed, now=T + timedelta(hours=3))
    assert hit.watch == "rates" and len(hit.story.outlets) == 3
    assert hit.story.first.url == RATE_WIRE.url and hit.story.last.url == RATE_MERIDIAN.url
    assert [a.url for a in hit.story.links] == [RATE_WIRE.url, RATE_COURIER.url, RATE_MERIDIAN.url]
    assert con.execute(
        "SELECT watch, run_id, len(outlets), articles FROM watch_hits"
    ).fetchall() == [("rates", "r2", 3, 3)]

    # the same story touched again, by the same run replayed or by a fourth article: no new hit
    assert evaluate_watches(con, watches, run_id="r2", placed=placed, now=T) == []
    later = art(
        "https://estmarkdaily.test/e1", text("e1_brief"), at=T + timedelta(hours=4), title="Brief"
    )
    placed = run(con, "r3", [later])
    assert evaluate_watches(con, watches, run_id="r3", placed=placed, now=T) == []
    assert con.execute("SELECT count(*) FROM watch_hits").fetchone() == (1,)


@ON_BOTH
def test_a_new_story_with_enough_outlets_is_announced_in_the_run_that_brings_it(con):
    placed = run(con, "r1", [*FLOOD, RATE_WIRE])
    hits = evaluate_watches(
        con,
        [watch("floods", "river flood defences", min_outlets=3), watch(min_outlets=1)],
        run_id="r1",
        placed=placed,
        now=T,
    )
    assert [(h.watch, h.story.title, len(h.story.outlets)) for h in hits] == [
        ("floods", "Floods kill five", 3),
        ("rates", "Central bank raises rate to 4.25 pct", 1),
    ]
    fields = event_fields(hits[0])
    assert fields["event"] == "wirehouse.story.matched"
    assert fields["resource"]["prefect.resource.id"] == f"wirehouse.story.{hits[0].story.story_id}"
    assert fields["related"][0]["prefect.resource.id"] == "wirehouse.watch.floods"
    assert fields["related"][0]["prefect.resource.role"] == "watch"
    assert sorted(fields["payload"]["links"]) == sorted(a.url for a in FLOOD)
    got = last_hits(con)
    assert [(h.watch, h.title) for h in got] == [
        ("floods", "Floods kill five"),
        ("rates", "Central bank raises rate to 4.25 pct"),
    ]
    assert set(hits_for_stories(con, [h.story.story_id for h in hits])) == {
        h.story.story_id for h in hits
    }


@ON_BOTH
def test_a_copy_at_a_new_outlet_touches_its_story_without_a_new_article(con):
    watches = [watch(min_outlets=2)]
    placed = run(con, "r1", [RATE_WIRE])
    assert evaluate_watches(con, watches, run_id="r1", placed=placed, now=T) == []
    # the wire text verbatim at another outlet: an exact copy, a URL of the same article
    copy = dataclasses.replace(
        art("https://estmarkdaily.test/wire", text("e1_wire"), at=T, title="Rates up"),
        content_hash=RATE_WIRE.content_hash,
    )
    placed = run(con, "r2", [copy])
    assert placed == set()  # no article was placed: only the run's URLs say what it touched
    assert touched_stories(con, "r2") != set()
    [hit] = evaluate_watches(con, watches, run_id="r2", placed=placed, now=T)
    assert set(hit.story.outlets) == {"contwire.test", "estmarkdaily.test"}
    assert [a.url for a in hit.story.links] == [RATE_WIRE.url, copy.entry.url]
    assert hit.story.links[1].outlet == "estmarkdaily.test"  # no feed name: its host


@pytest.mark.parametrize(
    ("filters", "matches"),
    [
        ({}, True),
        ({"outlets": ["VelhavenCourier.test"]}, True),  # a host, any case
        ({"outlets": ["www.meridianbusiness.test"]}, True),  # www. ignored
        ({"outlets": ["Velhaven Courier"]}, True),  # a site name
        ({"outlets": ["radiosarnova.test"]}, False),
        ({"tags": ["economy"]}, True),  # the article's own tag
        ({"tags": ["sport"]}, False),
        ({"languages": ["en"]}, True),  # en-GB is English
        ({"languages": ["EN_us"]}, True),
        ({"languages": ["eng"]}, True),  # ISO 639-2's English is the same language
        ({"languages": ["de"]}, False),
        ({"outlets": ["contwire.test"], "languages": ["de"]}, False),  # filters combine
    ],
)
def test_outlet_tag_and_language_filters_restrict_which_articles_match(con, filters, matches):
    courier = dataclasses.replace(RATE_COURIER, sitename="Velhaven Courier")
    placed = run(con, "r1", [RATE_WIRE, courier, RATE_MERIDIAN])
    found = matching_stories(con, [watch(**filters)], placed)
    assert bool(found["rates"]) is matches


@ON_BOTH
def test_feed_tags_count_as_the_articles_tags(con):
    placed = run(con, "r1", FLOOD)
    con.execute(
        "INSERT INTO feeds (feed_url, tags) VALUES (?, ['Weather'])",
        ["https://radiosarnova.test/feed.xml"],
    )
    assert matching_stories(con, [watch("w", "flood", tags=["weather"])], placed)["w"] == placed
    assert matching_stories(con, [watch("w", "flood", tags=["politics"])], placed)["w"] == set()


@pytest.mark.parametrize(
    "query",
    [
        "krona",  # one word
        "KRONA Rate",  # any case, every word
        "rates krona",  # stemmed, as `wirehouse search` does
        "the krona",  # stop words are not required
        "krona' OR 1=1 --",  # SQL in a query is words (and "or" a stop word)
        '"krona" \\ % _ * ( ) [ ] { }',
        "krona " * 2000,  # many words
    ],
)
def test_a_story_matches_when_one_article_has_every_word_of_the_query(con, query):
    placed = run(con, "r1", [RATE_WIRE, FLOOD[0]])
    started = time.perf_counter()
    found = matching_stories(con, [watch("w", query)], placed)["w"]
    assert time.perf_counter() - started < 5
    assert len(found) == 1  # the rate story, not the flood


@pytest.mark.parametrize(
    "query",
    [
        "the",  # only stop words
        "zzzzqx",
        "krona zzzzqx",  # one word missing is no match: an alert needs them all
        "krona floods",  # each word in another story
        "krona " + "x" * 5000,  # a huge word
        "'; DROP TABLE watch_hits; --",
    ],
)
def test_a_query_that_matches_nothing_announces_nothing(con, query):
    placed = run(con, "r1", [RATE_WIRE, FLOOD[0]])
    hits = evaluate_watches(
        con, [watch("w", query, min_outlets=1)], run_id="r1", placed=placed, now=T
    )
    assert hits == []
    assert con.execute("SELECT count(*) FROM watch_hits").fetchone() == (0,)


@ON_BOTH
def test_no_watches_cost_nothing_and_a_warehouse_without_hits_lists_none(con):
    placed = run(con, "r1", [RATE_WIRE])
    assert evaluate_watches(con, [], run_id="r1", placed=placed, now=T) == []
    assert last_hits(con) == []


@pytest.mark.parametrize(
    ("stored", "watched", "matches"),
    [
        ("eng", "en", True),  # stored before languages had one spelling
        ("ENG", "en-GB", True),
        ("ger", "de", True),
        ("deu", "ger", True),
        ("iw", "he", True),
        ("en_US", "eng", True),
        ("ger", "en", False),
        ("und", "en", False),
    ],
)
def test_a_watch_takes_every_spelling_a_row_may_carry(con, stored, watched, matches):
    placed = run(con, "r1", [RATE_WIRE])
    con.execute("UPDATE articles SET language = ?", [stored])
    found = matching_stories(con, [watch(languages=[watched])], placed)
    assert bool(found["rates"]) is matches
