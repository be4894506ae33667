"""Near-duplicates and stories in a real DuckDB warehouse (wirehouse.warehouse.dedupe)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.factories import article as make_article
from wirehouse.config.settings import DedupSettings
from wirehouse.dedup.ids import article_id_for
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.records import Article, Decision, Known, MatchKind, Outcome
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.dedupe import dedupe_and_load
from wirehouse.warehouse.migrate import migrate

SETTINGS = DedupSettings()
TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "texts"
# one event told by several outlets in different words, and later events on the same subject
STORIES = Path(__file__).resolve().parents[1] / "fixtures" / "stories"
T = datetime(2025, 3, 6, 11, tzinfo=UTC)
TABLES = [
    "articles",
    "article_urls",
    "article_versions",
    "near_signatures",
    "near_bands",
    "story_members",
    "story_terms",
]

WIRE = (TEXTS / "e1_wire.txt").read_text(encoding="utf-8").strip()
FLOOD = (TEXTS / "e6_wire.txt").read_text(encoding="utf-8").strip()


# what republishers glue to a wire story: a credit line, a promotion, a newsletter plug
BOILERPLATE = (
    "This story was supplied by Continental Wire.",
    "Read more: Our coverage of the week's other top stories, in one place.",
    "Sign up for the morning briefing and get the day's news in your inbox. Follow us on social"
    " media for live updates.",
)
WIRE_STORIES = ["e1_wire", "e3_wire", "e4_wire", "e6_wire", "e7_wire", "e11_wire"]


def reprint(text: str, boilerplate: str = BOILERPLATE[0]) -> str:
    """A republication: dateline dropped, last paragraph trimmed, house style, boilerplate."""
    paragraphs = text.split("\n\n")
    body = "\n\n".join(paragraphs[:-1]).split(" - ", 1)[1]
    return body.replace("percent", "per cent") + "\n\n" + boilerplate


def art(url: str, text: str, *, at: datetime, title: str = "A headline") -> Article:
    a = make_article(url, text, feed=f"https://{url.split('/')[2]}/feed.xml")
    return dataclasses.replace(
        a, title=title, published_at=at, fetched_at=at, content_hash=content_hash(text)
    )


def ingest(
    con: duckdb.DuckDBPyConnection,
    articles: list[Article],
    *,
    refetched: dict[str, Known] | None = None,
) -> tuple[list[Decision], dict[str, str]]:
    """The batch path of the ingest flow: exact, near, load, then fingerprints and stories."""
    now = max(a.fetched_at for a in articles if a.fetched_at)
    with transaction(con):
        done = dedupe_and_load(
            con, "run", articles, settings=SETTINGS, now=now, refetched=refetched
        )
    return done.decisions, done.stories


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


def owner(con: duckdb.DuckDBPyConnection, url: str) -> tuple[str, str, float | None]:
    row = con.execute(
        "SELECT article_id, match_kind, similarity FROM article_urls WHERE url = ?", [url]
    ).fetchone()
    assert row is not None
    return row


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con)
    return path


@pytest.fixture
def con(db: Path):
    con = duckdb.connect(str(db))
    yield con
    con.close()


def test_a_wire_copy_with_new_headline_trimmed_paragraph_and_credit_line_is_a_near_duplicate(
    con,
):
    [original], _ = ingest(con, [art("https://wire.test/a", WIRE, at=T, title="Rate rise")])
    [copy], _ = ingest(
        con,
        [
            art(
                "https://ledger.test/b",
                reprint(WIRE),
                at=T + timedelta(hours=1),
                title="Duskov goes big",
            )
        ],
    )
    assert copy.outcome is Outcome.DUPLICATE and copy.match_kind is MatchKind.NEAR
    assert copy.article_id == original.article_id
    assert copy.similarity is not None and copy.similarity >= SETTINGS.near_threshold
    aid, kind, similarity = owner(con, "https://ledger.test/b")
    assert (aid, kind, similarity) == (original.article_id, "near", copy.similarity)
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (1,)


def test_a_brief_contained_in_a_long_article_is_not_a_near_duplicate(con):
    brief = (TEXTS / "e1_brief.txt").read_text(encoding="utf-8").strip()
    assert brief in WIRE.replace("VELHAVEN, March 6 (Continental Wire) - ", "")
    ingest(con, [art("https://wire.test/a", WIRE, at=T)])
    [d], _ = ingest(con, [art("https://daily.test/brief", brief, at=T + timedelta(minutes=5))])
    assert d.outcome is Outcome.NEW
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def test_short_texts_are_left_to_exact_deduplication(con):
    a = "Markets closed higher on Tuesday as banks rallied after the results."
    b = "Markets closed lower on Tuesday as banks slipped after the results."
    decisions, _ = ingest(con, [art("https://a.test/1", a, at=T), art("https://b.test/1", b, at=T)])
    assert [d.outcome for d in decisions] == [Outcome.NEW, Outcome.NEW]


def test_detection_works_across_connections_after_a_restart(db):
    with duckdb.connect(str(db)) as first:
        ingest(first, [art("https://wire.test/a", WIRE, at=T)])
    with duckdb.connect(str(db)) as second:
        [d], _ = ingest(second, [art("https://ledger.test/b", reprint(WIRE), at=T)])
        assert d.match_kind is MatchKind.NEAR
        assert d.article_id == second.execute("SELECT article_id FROM articles").fetchone()[0]


def test_copies_in_one_batch_join_the_earliest_published_and_exact_copies_follow(con):
    copy = reprint(WIRE)
    decisions, _ = ingest(
        con,
        [
            art("https://ledger.test/b", copy, at=T + timedelta(hours=1)),
            art("https://wire.test/a", WIRE, at=T),
            art("https://post.test/c", copy, at=T + timedelta(hours=2)),  # exact copy of b
        ],
    )
    first, original, exact = decisions
    assert original.outcome is Outcome.NEW
    assert (first.outcome, first.match_kind) == (Outcome.DUPLICATE, MatchKind.NEAR)
    assert (exact.outcome, exact.match_kind) == (Outcome.DUPLICATE, MatchKind.EXACT)
    assert first.article_id == exact.article_id == original.article_id
    assert con.execute("SELECT count(*), min(url) FROM articles").fetchone() == (
        1,
        "https://wire.test/a",
    )


def test_an_original_published_before_its_stored_reprint_becomes_the_article(con):
    [early], placed = ingest(con, [art("https://ledger.test/b", reprint(WIRE), at=T)])
    reprint_story = placed[early.article_id]
    [late], placed = ingest(
        con, [art("https://wire.test/a", WIRE, at=T - timedelta(hours=2), title="Original")]
    )
    assert late.outcome is Outcome.NEW
    assert con.execute("SELECT article_id, url, story_id FROM articles").fetchall() == [
        (late.article_id, "https://wire.test/a", reprint_story)
    ]
    aid, kind, similarity = owner(con, "https://ledger.test/b")
    assert (aid, kind) == (late.article_id, "near") and similarity >= SETTINGS.near_threshold
    assert placed[late.article_id] == reprint_story
    assert con.execute("SELECT DISTINCT article_id FROM near_signatures").fetchall() == [
        (late.article_id,)
    ]
    assert con.execute("SELECT article_id FROM story_members").fetchall() == [(late.article_id,)]
    # and a third copy now finds the original
    [third], _ = ingest(con, [art("https://post.test/c", reprint(WIRE) + " More.", at=T)])
    assert third.article_id == late.article_id


def test_rerunning_the_same_batch_changes_nothing(con):
    batch = [
        art("https://wire.test/a", WIRE, at=T),
        art("https://ledger.test/b", reprint(WIRE), at=T + timedelta(hours=1)),
        art("https://wire.test/f", FLOOD, at=T + timedelta(hours=2)),
    ]
    decisions, placed = ingest(con, batch)
    before = snapshot(con)
    assert all(before.values())
    ingest(con, batch)
    assert snapshot(con) == before
    # a retried task later on loads nothing again: every URL is known, as its article
    with transaction(con):
        again = dedupe_and_load(con, "run", batch, settings=SETTINGS, now=T + timedelta(hours=3))
    assert again.decisions == [] and again.stories == {}
    assert snapshot(con) == before
    assert {owner(con, a.url)[0] for a in batch} == {d.article_id for d in decisions}
    assert set(placed) == {d.article_id for d in decisions if d.outcome is Outcome.NEW}


def test_an_update_keeps_its_story_and_its_new_text_is_recognised_in_reprints(con):
    [first], placed = ingest(con, [art("https://wire.test/a", WIRE, at=T)])
    story = placed[first.article_id]
    updated = WIRE + "\n\nLate on Thursday, the bank said two more board members had resigned."
    row = con.execute("SELECT content_hash, version FROM articles").fetchone()
    [version], placed = ingest(
        con,
        [art("https://wire.test/a", updated, at=T)],
        refetched={"https://wire.test/a": Known(first.article_id, row[0], row[1])},
    )
    assert version.outcome is Outcome.VERSION
    assert placed == {first.article_id: story}
    assert con.execute("SELECT count(*) FROM near_signatures").fetchone() == (2,)
    [copy], _ = ingest(con, [art("https://post.test/c", updated + " (Wire)", at=T)])
    assert copy.article_id == first.article_id and copy.match_kind is MatchKind.NEAR


def _story_text(name: str) -> str:
    return (STORIES / f"{name}.txt").read_text(encoding="utf-8")


# (report, hours after the first report): the same event, then later ones on the same subject
EVENTS = {
    "rates": [
        ("rates_agency", 0),
        ("rates_tribune", 5),
        ("rates_courier", 26),
        ("later_rates_cut", 24 * 400),
        ("later_rates_governor", 24 * 1900),
    ],
    "ferry": [
        ("ferry_radio", 0),
        ("ferry_wire", 2),
        ("ferry_gazette", 30),
        ("later_ferry_deal", 24 * 420),
    ],
}


@pytest.mark.parametrize("batch_size", [1, 5])
@pytest.mark.parametrize("event", sorted(EVENTS))
def test_reports_of_one_event_share_a_story_and_later_events_on_its_subject_do_not(
    con, event, batch_size
):
    articles = {
        name: art(
            f"https://{name.split('_')[-1]}.test/{name}",
            _story_text(name),
            at=T + timedelta(hours=h),
        )
        for name, h in EVENTS[event]
    }
    order = list(articles.values())
    placed: dict[str, str] = {}
    for i in range(0, len(order), batch_size):
        decisions, stories = ingest(con, order[i : i + batch_size])
        assert all(d.outcome is Outcome.NEW for d in decisions)
        placed |= stories
    story = {k: placed[article_id_for(a.entry.url_key)] for k, a in articles.items()}
    same = {story[k] for k in story if not k.startswith("later_")}
    later = [story[k] for k in story if k.startswith("later_")]
    assert len(same) == 1, story
    assert len({*same, *later}) == 1 + len(later), story


def test_two_events_in_the_same_week_stay_two_stories(con):
    first = [("rates_agency", 0), ("rates_tribune", 5), ("rates_courier", 26)]
    second = [("ferry_radio", 3), ("ferry_wire", 4), ("ferry_gazette", 30)]
    batch = [
        art(f"https://{n.split('_')[-1]}.test/{n}", _story_text(n), at=T + timedelta(hours=h))
        for n, h in first + second
    ]
    decisions, placed = ingest(con, batch)
    stories = [placed[d.article_id] for d in decisions]
    assert len(set(stories[:3])) == 1 and len(set(stories[3:])) == 1
    assert stories[0] != stories[3]


@pytest.mark.parametrize("boilerplate", BOILERPLATE)
@pytest.mark.parametrize("name", WIRE_STORIES)
def test_every_wire_story_republished_with_boilerplate_is_a_near_duplicate(con, name, boilerplate):
    text = (TEXTS / f"{name}.txt").read_text(encoding="utf-8").strip()
    [original], _ = ingest(con, [art("https://wire.test/a", text, at=T)])
    [copy], _ = ingest(
        con, [art("https://ledger.test/b", reprint(text, boilerplate), at=T + timedelta(hours=1))]
    )
    assert (copy.outcome, copy.match_kind) == (Outcome.DUPLICATE, MatchKind.NEAR)
    assert copy.article_id == original.article_id


@pytest.mark.parametrize("name", WIRE_STORIES)
def test_every_updated_wire_story_is_a_new_version_in_the_same_story(con, name):
    text = (TEXTS / f"{name}.txt").read_text(encoding="utf-8").strip()
    [first], placed = ingest(con, [art("https://wire.test/a", text, at=T)])
    story = placed[first.article_id]
    paragraphs = text.split("\n\n")
    # an update: the dateline marked, and a new last paragraph
    added = "Officials gave more details late on the same day; this story has been updated."
    updated = "\n\n".join([paragraphs[0].replace(" - ", " - UPDATED: ", 1), *paragraphs[1:], added])
    row = con.execute("SELECT content_hash, version FROM articles").fetchone()
    [version], placed = ingest(
        con,
        [art("https://wire.test/a", updated, at=T + timedelta(hours=3))],
        refetched={"https://wire.test/a": Known(first.article_id, row[0], row[1])},
    )
    assert version.outcome is Outcome.VERSION
    assert placed == {first.article_id: story}
    assert con.execute("SELECT version FROM articles").fetchone() == (2,)


def test_the_stories_view_summarises_each_story(con):
    ingest(con, [art("https://contwire.test/a", WIRE, at=T, title="Rate rise")])
    ingest(
        con,
        [
            art("https://www.ledger.test/b", reprint(WIRE), at=T + timedelta(hours=1)),
            art(
                "https://courier.test/c",
                (TEXTS / "e1_courier.txt").read_text(encoding="utf-8"),
                at=T + timedelta(hours=3),
                title="Mortgage bills to climb",
            ),
            art("https://wire.test/f", FLOOD, at=T + timedelta(days=1), title="Floods"),
        ],
    )
    rows = con.execute(
        "SELECT title, first_seen, last_seen, articles, outlets FROM stories ORDER BY first_seen"
    ).fetchall()
    assert rows == [
        (
            "Rate rise",
            T,
            T + timedelta(hours=3),
            2,
            ["contwire.test", "courier.test", "ledger.test"],
        ),
        ("Floods", T + timedelta(days=1), T + timedelta(days=1), 1, ["wire.test"]),
    ]
    assert con.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone() == (0,)
